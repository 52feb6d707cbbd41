"""A facility's reporting frequency (§6) and every switch of it, with the figures that caused it."""

from decimal import Decimal

from django.db import models

FREQUENCY_CHOICES = [("monthly", "Monthly"), ("weekly", "Weekly")]


class Cadence(models.Model):
    """Where a facility's reporting frequency stands: one row per facility, locked to change it.

    `above_since` is set while the facility reports weekly but its excess
    availability is above the line: the day its cure period started.
    """

    facility = models.OneToOneField(
        "abl.Facility", on_delete=models.PROTECT, related_name="cadence"
    )
    frequency = models.CharField(max_length=10, choices=FREQUENCY_CHOICES)
    since = models.DateField(help_text="The business date of the last switch")
    started_on = models.DateField(help_text="The first evaluation: the calendar starts here")
    above_since = models.DateField(null=True, blank=True)
    excess_availability = models.DecimalField(max_digits=18, decimal_places=2)
    excess_availability_pct = models.DecimalField(max_digits=12, decimal_places=8)
    measured_on = models.DateField(help_text="The business date these figures were measured")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(above_since__isnull=True) | models.Q(frequency="weekly"),
                name="cadence_cure_only_while_weekly",
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}: {self.frequency} since {self.since}"


class FrequencySwitch(models.Model):
    """A change of reporting frequency (or the first one set), with the figures that caused it.

    `from_frequency` is empty for the first frequency a facility is given. The
    borrower's users and the analysts are emailed once (`notified_at`).
    """

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="frequency_switches"
    )
    on = models.DateField(help_text="The business date of the switch")
    from_frequency = models.CharField(max_length=10, choices=FREQUENCY_CHOICES, blank=True)
    to_frequency = models.CharField(max_length=10, choices=FREQUENCY_CHOICES)
    certificate = models.ForeignKey(
        "abl.Certificate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    borrowing_base = models.DecimalField(max_digits=18, decimal_places=2)
    line_cap = models.DecimalField(max_digits=18, decimal_places=2)
    outstanding = models.DecimalField(max_digits=18, decimal_places=2)
    excess_availability = models.DecimalField(max_digits=18, decimal_places=2)
    excess_availability_pct = models.DecimalField(max_digits=12, decimal_places=8)
    threshold_pct = models.DecimalField(max_digits=6, decimal_places=4)
    cure_days = models.PositiveIntegerField(default=0)
    next_due = models.DateField(help_text="The next certificate due under the new frequency")
    trigger = models.CharField(max_length=200, help_text="What asked for the re-evaluation")
    notified_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.facility_id}: {self.from_frequency or 'start'} → {self.to_frequency} on {self.on}"

    @property
    def why(self) -> str:
        """The rule, in words, with the figures that applied it."""
        pct = (self.excess_availability_pct * 100).quantize(Decimal("0.01"))
        line = (self.threshold_pct * 100).quantize(Decimal("0.01"))
        if self.to_frequency == "weekly":
            return f"excess availability {pct}% is not above {line}%"
        cure = f" for {self.cure_days} days" if self.cure_days and self.from_frequency else ""
        return f"excess availability {pct}% is above {line}%{cure}"
