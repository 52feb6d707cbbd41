"""Writing the audit trail. Service functions call record() inside their transaction."""

from typing import Any

from django.db import models

from abl.models import AuditEvent, Facility, User


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    summary: str,
    facility: Facility | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; `actor` None means the system (a task or command)."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        facility=facility,
        summary=summary,
        changes=changes or {},
    )
