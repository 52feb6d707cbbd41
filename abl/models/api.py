"""The API's own records (§16; docs/api.md): personal tokens and idempotency keys."""

import hashlib

from django.db import models
from django.utils import timezone

from abl.models.people import User


def token_hash(secret: str) -> str:
    """The SHA-256 of a token's secret, hex: all the database ever holds of it."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token: `Authorization: Bearer <prefix>.<secret>`, shown once when made.

    Only the SHA-256 of the whole token is kept; the prefix is kept in clear so the
    owner can recognise it in the list.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="api_tokens_created"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="api_tokens_revoked"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotencyKey(models.Model):
    """One POST made with an `Idempotency-Key`: the request's fingerprint and the answer given.

    Unique per user and key. The row is inserted before the work, in the same
    transaction, so a second request with the same key waits on the unique index
    until the first commits, then replays its answer.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="idempotency_keys")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
