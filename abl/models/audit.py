"""The audit trail: append-only, written by service functions in their transaction.

Rows are never updated or deleted: the database refuses it (triggers in
migration 0002), so not even a bug or the admin can rewrite history.
"""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(
        max_length=150, help_text="Kept as it was when the event happened"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    summary = models.TextField()
    changes = models.JSONField(default=dict, blank=True)
    # The hash chain (issue 10): SHA-256 of this event's content and of the previous event's hash.
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"
