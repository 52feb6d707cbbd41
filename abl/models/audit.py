"""The audit trail: append-only, hash-chained, written by service functions in their transaction.

Rows are never updated or deleted: the database refuses it (triggers in
migrations 0002 and 0010), so not even a bug or the admin can rewrite history.
Each event also carries the SHA-256 of its content and of the event before it
(`abl.audit`), so a row changed, inserted or removed by someone who can get
past the triggers is found by `python manage.py verify_audit`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    # Set in Python, not by the database, because it is part of the hashed content.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
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
    # The hash chain (abl.audit.event_hash): the previous event's hash, and this event's.
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"
