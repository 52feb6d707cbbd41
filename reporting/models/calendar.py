"""What is due when (certificates, financial statements), and the reminders sent for it."""

import datetime as dt

from django.conf import settings
from django.db import models

from reporting.models.cadence import FREQUENCY_CHOICES


class DueItemQuerySet(models.QuerySet["DueItem"]):
    def open(self) -> "DueItemQuerySet":
        return self.filter(status=DueItem.Status.OPEN)

    def overdue(self, on: dt.date) -> "DueItemQuerySet":
        """Still open after its due date, on the business date `on`."""
        return self.open().filter(due_on__lt=on)


class DueItem(models.Model):
    """One report due: a certificate (monthly or weekly) or financial statements, for a period."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", "Borrowing base certificate"
        FINANCIALS = "financials", "Financial statements"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FULFILLED = "fulfilled", "Fulfilled"
        SUPERSEDED = "superseded", "Superseded by a change of frequency"

    facility = models.ForeignKey("abl.Facility", on_delete=models.PROTECT, related_name="due_items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    frequency = models.CharField(max_length=10, choices=FREQUENCY_CHOICES, blank=True)
    period_end = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    fulfilled_on = models.DateField(null=True, blank=True, help_text="The business date")
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fulfilled_with = models.CharField(
        max_length=100, blank=True, help_text="What fulfilled it, e.g. abl.Certificate:12"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DueItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind", "frequency", "period_end"],
                name="one_due_item_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gt=models.F("period_end")), name="due_after_period_end"
            ),
            models.CheckConstraint(
                condition=models.Q(status="fulfilled", fulfilled_on__isnull=False)
                | (~models.Q(status="fulfilled") & models.Q(fulfilled_on__isnull=True)),
                name="fulfilled_items_say_when",
            ),
        ]
        indexes = [models.Index(fields=["facility", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.period_end}, due {self.due_on}"

    def is_overdue(self, on: dt.date) -> bool:
        return self.status == self.Status.OPEN and self.due_on < on


class Reminder(models.Model):
    """A reminder sent for a due item: each kind (before, on, after) once per item."""

    class Kind(models.TextChoices):
        BEFORE = "before", "Before the due date"
        ON = "on", "On the due date"
        AFTER = "after", "After the due date (overdue)"

    item = models.ForeignKey(DueItem, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_on = models.DateField(help_text="The business date")
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "kind"], name="one_reminder_per_item_and_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item}"


class DailyClose(models.Model):
    """The nightly close of one business date: run once, whatever runs it twice."""

    business_date = models.DateField(unique=True)
    facilities = models.PositiveIntegerField(default=0)
    switches = models.PositiveIntegerField(default=0)
    reminders = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"Close of {self.business_date}"
