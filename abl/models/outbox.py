"""The transactional outbox: a task to send to Celery, written in the transaction that queues it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One task call (its Celery name and JSON arguments) waiting to be sent to the broker.

    Written by `abl.outbox.enqueue` inside the caller's transaction, so the task exists
    exactly when the action committed; sent on commit and, failing that, by the relay
    (`manage.py relay_outbox`), which marks it sent. See docs/architecture.md.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(sent_at__isnull=True),
                name="abl_outbox_unsent",
            ),
            models.Index(
                fields=["sent_at"], condition=Q(sent_at__isnull=False), name="abl_outbox_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
