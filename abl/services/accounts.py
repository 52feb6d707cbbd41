"""Logins and sessions: lockouts after failed logins, unlocking, logging out everywhere.

django-axes counts failed logins and refuses a locked-out one (settings:
AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME hours, counted per username
*and* address together). These functions are the audited side of it: the
lockout itself, an administrator's unlock, and ending every session of a user
by raising `User.session_generation` (see `User._get_session_auth_hash`).
"""

import datetime as dt
from dataclasses import dataclass

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from abl.audit import record
from abl.models import AuditEvent, User
from abl.services.people import can_manage_people


class AccountsError(Exception):
    """The change is not allowed; the message says why, for the user."""


@dataclass(frozen=True)
class Lockout:
    """A username locked out from one address until `until`."""

    username: str
    ip_address: str
    failures: int
    last_attempt: dt.datetime
    until: dt.datetime


def _cool_off() -> dt.timedelta:
    cool_off = get_cool_off()
    assert cool_off is not None, "AXES_COOLOFF_TIME is always set (config/settings.py)"
    return cool_off


def locked_until(*, username: str, ip_address: str | None) -> dt.datetime | None:
    """When the lock on this username from this address ends: its last counted failure + the cool-off."""
    last = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
        last=Max("attempt_time")
    )["last"]
    return last + _cool_off() if last else None


def current_lockouts() -> list[Lockout]:
    """Every username and address locked now, latest first.

    The same sum django-axes makes for the lockout parameters
    [["username", "ip_address"]]: failures within the cool-off, per pair.
    """
    cool_off = _cool_off()
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt", "username", "ip_address")
    )
    return [
        Lockout(
            username=row["username"] or "",
            ip_address=row["ip_address"] or "",
            failures=row["failures"],
            last_attempt=row["last_attempt"],
            until=row["last_attempt"] + cool_off,
        )
        for row in rows
    ]


@transaction.atomic
def record_lockout(
    *, username: str, ip_address: str | None, failures: int, until: dt.datetime | None
) -> AuditEvent:
    """Audit a lockout, once, when the failure that reached the limit locks it.

    An unknown username is not written down: the audit trail is kept for ever,
    and what was typed in the username box is sometimes a password.
    """
    user = User.objects.filter(username=username).first()
    who = user.username if user else "an unknown username"
    until_text = timezone.localtime(until).strftime("%H:%M") if until else "later"
    return record(
        actor=None,
        action="login.locked_out",
        obj=user,
        object_id="unknown-username",
        summary=f"Login locked for {who} from {ip_address} after {failures} failures, "
        f"until {until_text}",
        changes={
            "username": user.username if user else None,
            "ip_address": ip_address,
            "failures": failures,
            "until": until.isoformat() if until else None,
        },
    )


@transaction.atomic
def unlock_login(*, actor: User, username: str, ip_address: str) -> int:
    """Lift the lock on a username from an address now; return how many attempt rows went."""
    if not can_manage_people(actor):
        raise AccountsError("Only an administrator unlocks a login.")
    if not username or not ip_address:
        raise AccountsError("Say which username and address to unlock.")
    # Both given: axes deletes the attempts of this username from this address only.
    removed = reset(ip=ip_address, username=username)
    if not removed:
        raise AccountsError(
            f"{username} from {ip_address} is not locked out (the lock may have expired)."
        )
    user = User.objects.filter(username=username).first()
    record(
        actor=actor,
        action="login.unlocked",
        obj=user,
        object_id="unknown-username",
        summary=f"{actor.username} unlocked the login of {username} from {ip_address}",
        changes={"username": username, "ip_address": ip_address},
    )
    return removed


@transaction.atomic
def end_sessions(*, actor: User, user: User) -> User:
    """End every session of `user` by raising their session generation; return the user as saved.

    The caller keeps its own session with `update_session_auth_hash(request, user)`
    when it ended its own sessions. Anyone may end their own; an administrator anyone's.
    """
    if actor.pk != user.pk and not can_manage_people(actor):
        raise AccountsError("Only an administrator ends another person's sessions.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = locked.session_generation
    locked.session_generation = before + 1
    locked.save(update_fields=["session_generation"])
    summary = (
        f"{locked.username} logged out everywhere"
        if actor.pk == locked.pk
        else f"{actor.username} ended every session of {locked.username}"
    )
    record(
        actor=actor,
        action="user.sessions_ended",
        obj=locked,
        summary=summary,
        changes={"session_generation": [before, locked.session_generation]},
    )
    return locked
