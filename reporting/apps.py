from typing import Any

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from abl.models import AuditEvent

        post_save.connect(
            refresh_position_after_audited_action,
            sender=AuditEvent,
            dispatch_uid="reporting-position-after-audit",
        )


def refresh_position_after_audited_action(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    """Every action is audited (abl/audit.py): one on a facility refreshes its dashboard line
    once the action's transaction commits (reporting/services/positions.py)."""
    if created and instance.facility_id is not None:
        from reporting.services.positions import queue_refresh

        queue_refresh(instance.facility_id)
