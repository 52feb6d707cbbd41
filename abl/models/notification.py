"""Notifications sent: one row per certificate event, so a task run twice emails once."""

from django.db import models


class Notification(models.Model):
    class Event(models.TextChoices):
        SUBMITTED = "submitted", "Certificate submitted"
        APPROVED = "approved", "Certificate approved"
        RETURNED = "returned", "Certificate returned"

    certificate = models.ForeignKey(
        "abl.Certificate", on_delete=models.PROTECT, related_name="notifications"
    )
    event = models.CharField(max_length=20, choices=Event.choices)
    recipients = models.JSONField(default=list, help_text="The addresses it was sent to")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "event"], name="one_notification_per_certificate_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: certificate {self.certificate_id}"
