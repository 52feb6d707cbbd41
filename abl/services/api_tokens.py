"""Personal API tokens (§16; docs/api.md): made and revoked by their owner or an administrator.

A token is `abl_<prefix>.<secret>`: the prefix is kept in clear for the list, only the
SHA-256 of the whole token is stored, and the token itself is returned once, when made.
A bank user's token needs two-factor enrolment: a password alone never makes one.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from abl.audit import record
from abl.models import ApiToken, Role, User
from abl.models.api import token_hash
from abl.services.errors import Refused
from abl.services.twofactor import is_enrolled

TOKEN_START = "abl_"


class TokenRefused(Refused):
    """A token not made or not revoked; nothing was changed."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, shown once and never stored


def _may_manage(actor: User, user: User) -> bool:
    return actor.is_active and (actor.pk == user.pk or actor.role == Role.ADMIN)


@transaction.atomic
def create_api_token(
    *, user: User, actor: User, name: str, read_only: bool = False, days: int | None = None
) -> NewToken:
    """A new token for `user`, made by `user` or an administrator; its secret is returned once."""
    if not _may_manage(actor, user):
        raise TokenRefused("Only the person or an administrator makes their API tokens.")
    if not user.is_active:
        raise TokenRefused(f"{user.username} is deactivated.")
    if user.is_bank_staff and not is_enrolled(user):
        raise TokenRefused(
            f"{user.username} must enrol a second factor (an authenticator app) "
            "before an API token is made: a bank user's token needs two-factor enrolment."
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenRefused("A token's name of 1 to 100 characters is required.", field="name")
    days = settings.ABL_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.ABL_API_TOKEN_MAX_DAYS:
        raise TokenRefused(
            f"A token lasts 1 to {settings.ABL_API_TOKEN_MAX_DAYS} days.", field="days"
        )
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_START}{prefix}.{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=token_hash(secret),
        read_only=read_only,
        created_at=now,
        created_by=actor,
        expires_at=now + dt.timedelta(days=days),
    )
    record(
        actor=actor,
        action="api_token.created",
        obj=token,
        summary=f"API token {name!r} ({prefix}…) made for {user.username}"
        + (", read only" if read_only else "")
        + f", expires {token.expires_at:%Y-%m-%d}",
        changes={
            "user": user.username,
            "name": name,
            "prefix": prefix,
            "read_only": read_only,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return NewToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> ApiToken:
    """Stop a token working at once; revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if not _may_manage(actor, token.user):
        raise TokenRefused("Only the person or an administrator revokes their API tokens.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(
        actor=actor,
        action="api_token.revoked",
        obj=token,
        summary=f"API token {token.name!r} ({token.prefix}…) of {token.user.username} revoked",
        changes={"user": token.user.username, "prefix": token.prefix},
    )
    return token


def find_live_token(secret: str) -> ApiToken | None:
    """The live token whose secret this is, or None (unknown, expired or revoked)."""
    if not secret.startswith(TOKEN_START) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(secret_hash=token_hash(secret))
        .first()
    )
    if token is None or not token.is_live or not token.user.is_active:
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Note when a token was last used, at most once a minute (one UPDATE, not one a call)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
