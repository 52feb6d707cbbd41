"""System checks of the application's own settings (`manage.py check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_key_is_set(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """In production the audit trail's key is a secret of its own (docs/deployment.md)."""
    if settings.AUDIT_KEY:
        return []
    return [
        Warning(
            "AUDIT_KEY is not set: the audit trail's key is derived from SECRET_KEY.",
            hint="Set AUDIT_KEY to a long random secret kept apart from the database, and keep "
            "it for the life of the trail (docs/deployment.md).",
            id="abl.W001",
        )
    ]
