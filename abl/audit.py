"""Writing the audit trail. Service functions call record() inside their transaction."""

from typing import Any

from django.db import models

from abl.models import AuditEvent, Facility, User


def record(
    *,
    actor: User | None,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    object_id: str = "",
    facility: Facility | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event about `obj` (or, with no object, about `object_id`).

    `actor` None means the system (a task or command).
    """
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        action=action,
        object_type=obj._meta.label if obj is not None else "system",
        object_id=str(obj.pk) if obj is not None else object_id,
        facility=facility,
        summary=summary,
        changes=changes or {},
    )
