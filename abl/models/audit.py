"""The audit trail: append-only, hash-chained, written by service functions in their transaction.

Rows are never updated or deleted: the database refuses it (triggers in
migrations 0002 and 0010), so not even a bug or the admin can rewrite history.
Each event also carries a keyed hash (HMAC-SHA256) of its content and of the event before
it in its chain (a chain per facility, one bank-wide: `abl.audit`), so a row changed,
inserted or removed by someone who can get past the triggers is found by
`python manage.py verify_audit`, which also checks each chain against the last signed
anchor of its head (`abl.anchors`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    # Set in Python, not by the database, because it is part of the hashed content.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # The business date (§1) the event happened on, beside the system time above; hashed with
    # it. Null only on events written before the trail kept it.
    business_date = models.DateField(null=True, blank=True, editable=False, db_index=True)
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
    # The event's hash chain (abl.audit): its facility's id, or 0 (abl.audit.BANK_CHAIN) for
    # the bank-wide chain of the events about no facility.
    chain = models.BigIntegerField(default=0)
    # The hash chain (abl.audit.event_hash): the previous event's hash in the chain, and this one's.
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        # A chain's head (record()) and its walk in order (verify_audit).
        indexes = [models.Index(fields=["chain", "id"], name="abl_audit_chain_id")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"
