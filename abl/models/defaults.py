"""Events of default (§7): declared, and ended by a cure or a waiver that two analysts make.

An event stands from `declared_on` until `ended_on` (the business date the second analyst
confirmed its end), excluded: advances resume on that date. Which event stands on a date is
`DefaultEventQuerySet.standing_on`, the one rule; `abl.services.loans.default` asks it.
"""

import datetime as dt

from django.conf import settings
from django.db import models


class DefaultEventQuerySet(models.QuerySet["DefaultEvent"]):
    def standing_on(self, on: dt.date) -> "DefaultEventQuerySet":
        """The events in force on the business date `on`: declared on or before it, not ended by it."""
        return self.filter(declared_on__lte=on).exclude(ended_on__lte=on)


class DefaultEvent(models.Model):
    """One event of default of a facility, and how it ended."""

    class Ending(models.TextChoices):
        CURE = "cure", "Cure"
        WAIVER = "waiver", "Waiver"

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="default_events"
    )
    declared_on = models.DateField()
    reason = models.CharField(max_length=1000)
    # None: declared by the system (a task).
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    # The end an analyst proposes, awaiting a second analyst's confirmation.
    ending = models.CharField(max_length=10, choices=Ending.choices, blank=True)
    ending_reason = models.CharField(max_length=1000, blank=True)
    # The signed waiver, kept with the event in the database.
    document = models.BinaryField(blank=True, default=b"")
    document_name = models.CharField(max_length=255, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_on = models.DateField(null=True, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    # When its declaration and its end were emailed (abl.services.notifications).
    notified_declared_at = models.DateTimeField(null=True, blank=True)
    notified_ended_at = models.DateTimeField(null=True, blank=True)

    objects = DefaultEventQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility"],
                condition=models.Q(ended_on__isnull=True),
                name="one_standing_default_per_facility",
            ),
            models.CheckConstraint(
                name="default_ended_by_a_second_analyst",
                condition=models.Q(ended_on__isnull=True)
                | (
                    models.Q(confirmed_by__isnull=False, proposed_by__isnull=False)
                    & ~models.Q(confirmed_by=models.F("proposed_by"))
                ),
            ),
            models.CheckConstraint(
                name="default_waiver_has_its_document",
                condition=~models.Q(ending="waiver") | ~models.Q(document_sha256=""),
            ),
            models.CheckConstraint(
                name="default_ends_after_it_is_declared",
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("declared_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"Event of default {self.pk} of {self.facility} from {self.declared_on}"

    @property
    def awaiting_confirmation(self) -> bool:
        return bool(self.ending) and self.ended_on is None
