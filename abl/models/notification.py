"""Notifications sent: one row per certificate event, so a task run twice emails once."""

from django.db import models


class SentEmail(models.Model):
    """An e-mail sent: its row is written with the sending and unique per event (see
    abl.services.notifications.send_once), so a task run twice e-mails once."""

    recipients = models.JSONField(default=list, help_text="The addresses it was sent to")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Notification(SentEmail):
    class Event(models.TextChoices):
        SUBMITTED = "submitted", "Certificate submitted"
        APPROVED = "approved", "Certificate approved"
        RETURNED = "returned", "Certificate returned"

    certificate = models.ForeignKey(
        "abl.Certificate", on_delete=models.PROTECT, related_name="notifications"
    )
    event = models.CharField(max_length=20, choices=Event.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "event"], name="one_notification_per_certificate_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: certificate {self.certificate_id}"


class AdvanceNotice(SentEmail):
    """An advance request's event e-mailed (§7, "told at once"): one row per request and event,
    written with the sending, so a task run twice e-mails once."""

    class Event(models.TextChoices):
        REQUESTED = "requested", "Advance requested"
        FIRST_APPROVED = "first_approved", "Advance approved, a second approval awaited"
        APPROVED = "approved", "Advance approved"
        DECLINED = "declined", "Advance declined"
        WITHDRAWN = "withdrawn", "Advance withdrawn"

    advance = models.ForeignKey(
        "abl.AdvanceRequest", on_delete=models.PROTECT, related_name="notices"
    )
    event = models.CharField(max_length=20, choices=Event.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["advance", "event"], name="one_notice_per_advance_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: advance request {self.advance_id}"
