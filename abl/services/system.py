"""Workflows that change state: keyword-only, transactional, audited."""

from django.db import transaction

from abl.audit import record
from abl.models import AuditEvent, User


@transaction.atomic
def record_worker_ping(*, user_id: int | None, token: str) -> AuditEvent:
    """Record that a worker ran a ping; idempotent per token."""
    existing = AuditEvent.objects.filter(action="system.worker_ping", object_id=token).first()
    if existing:
        return existing
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    return record(
        actor=actor, action="system.worker_ping", object_id=token, summary="A worker answered"
    )
