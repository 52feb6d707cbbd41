"""Two-factor authentication: who must pass one, enrolling an authenticator app, checking a code.

A second factor is a TOTP authenticator app (django-otp's TOTPDevice) with ten
backup codes (a StaticDevice). Bank staff must use one when
ABL_TWO_FACTOR_REQUIRED is on (the default); borrowers may. A session is
verified once a code was accepted in it (django_otp.login); the gate
(abl/middleware.py) and the pages ask `needs_second_factor` and nothing else.
"""

import hashlib
import math
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.audit import record
from abl.models import TwoFactorActivation, User

BACKUP_CODES = 10
APP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


class TwoFactorError(Exception):
    """A code refused; the message is for the user."""


def needs_second_factor(user: User) -> bool:
    """True while this user's session must still pass a second factor before any other page.

    That is a signed-in user not verified in this session who has enrolled (anyone
    may) or who is bank staff. With ABL_TWO_FACTOR_REQUIRED off, never.
    """
    if not settings.ABL_TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if getattr(user, "otp_device", None) is not None:  # set by django_otp's OTPMiddleware
        return False
    return user.is_bank_staff or user_has_device(user)


def is_enrolled(user: User) -> bool:
    return user_has_device(user)


# Activation codes: 16 characters without look-alikes (0/O, 1/I), shown in groups of four.
ACTIVATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def needs_activation(user: User) -> bool:
    """Bank staff enrol only with an administrator's one-time code: a password alone is not
    enough to choose their second factor. Borrowers, for whom it is optional, enrol freely."""
    return user.is_bank_staff and not is_enrolled(user)


def new_activation_code() -> tuple[str, str]:
    """A new activation code as shown (ABCD-EFGH-JKLM-NPQR) and the hash that is stored."""
    raw = get_random_string(16, allowed_chars=ACTIVATION_ALPHABET)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4)), activation_hash(raw)


def activation_hash(code: str) -> str:
    """SHA-256 of the code as typed, with spaces, dashes and case ignored."""
    typed = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(typed.encode()).hexdigest()


def _live_activation(user: User, code: str) -> TwoFactorActivation | None:
    return TwoFactorActivation.objects.filter(
        user=user, code_hash=activation_hash(code), used_at=None, expires_at__gt=timezone.now()
    ).first()


ACTIVATION_REFUSED = (
    "That activation code is not right, was used already or has expired: "
    "ask an administrator for a new one."
)


def pending_device(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator, made once: showing the page again shows the same key.

    An unconfirmed device proves nothing (OTPMiddleware ignores it) until
    `enrol_second_factor` accepts a code from it.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def enrol_second_factor(
    *, user: User, device: TOTPDevice, code: str, activation: str = ""
) -> list[str]:
    """Confirm `device` with a code it shows now; return the new backup codes (shown once).

    Bank staff also give the activation code an administrator issued them
    (`needs_activation`); it is used up by the enrolment. The code is checked
    before the transaction that confirms: django-otp counts a wrong code on the
    device, and that count must stay when we refuse.
    """
    if device.user_id != user.pk or device.confirmed:
        raise TwoFactorError("This set-up has expired: scan the new QR code.")
    required = needs_activation(user)
    if required and _live_activation(user, activation) is None:
        raise TwoFactorError(ACTIVATION_REFUSED)
    allowed, refusal = device.verify_is_allowed()
    if not allowed:
        raise TwoFactorError(_wait_message(refusal))
    if verify_token(user, device.persistent_id, _normalise(code)) is None:
        raise TwoFactorError(
            "That code is not right: enter the 6-digit code the app shows for ABL Desk now."
        )
    return _confirm(user=user, device=device, activation=activation if required else None)


@transaction.atomic
def _confirm(*, user: User, device: TOTPDevice, activation: str | None) -> list[str]:
    if activation is not None:
        # Taken by a compare-and-set: of two enrolments racing with one code, one wins.
        taken = TwoFactorActivation.objects.filter(
            user=user,
            code_hash=activation_hash(activation),
            used_at=None,
            expires_at__gt=timezone.now(),
        ).update(used_at=timezone.now())
        if not taken:
            raise TwoFactorError(ACTIVATION_REFUSED)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=c) for c in codes)
    record(
        actor=user,
        action="two_factor.enrolled",
        summary=f"Enrolled an authenticator app and {BACKUP_CODES} backup codes",
        obj=user,
        changes={"activation_code": "used" if activation is not None else "not needed"},
    )
    return codes


def verify_second_factor(*, user: User, code: str) -> Device:
    """The device that accepts `code` (the app's code or an unused backup code), or TwoFactorError.

    Every device refusing counts a failure on it; django-otp then makes the next
    try wait 1, 2, 4, 8 … seconds (OTP_TOTP_THROTTLE_FACTOR, OTP_STATIC_THROTTLE_FACTOR).
    """
    devices = list(devices_for_user(user))
    refusals = [refusal for allowed, refusal in (d.verify_is_allowed() for d in devices)]
    if devices and all(refusals):
        raise TwoFactorError(_wait_message(min(refusals, key=lambda r: r["locked_until"])))
    token = _normalise(code)
    for device in devices:
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    raise TwoFactorError(
        "That code is not right: enter the 6-digit code from your authenticator app, "
        "or one of your backup codes."
    )


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normalise(code: str) -> str:
    """Codes are typed with spaces or dashes sometimes; backup codes are lower case."""
    return "".join(code.split()).replace("-", "").lower()


def _wait_message(refusal: dict[str, Any]) -> str:
    seconds = math.ceil((refusal["locked_until"] - timezone.now()).total_seconds())
    seconds = max(seconds, 1)
    return f"Too many wrong codes: wait {seconds} second{'s' if seconds > 1 else ''} and try again."
