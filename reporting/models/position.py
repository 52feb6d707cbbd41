"""A facility's line on the portfolio dashboard: its figures as last measured, one row per facility.

Kept by reporting/services/positions.py from the rules that own each figure
(live availability, the cadence, the due calendar, the covenant tests, the fee
ledger), so the dashboard reads one indexed table and sorts, filters and pages
in the database whatever the size of the portfolio and its history.
Refreshed after every audited action on the facility and, for every
facility, after the nightly close; `as_of` is the business date it was
measured on and the dashboard says so when it is not today's.
"""

from django.db import models

from covenants.calc.engine import TITLES
from reporting.calc.position import EXCEPTION_LABELS
from reporting.models.cadence import FREQUENCY_CHOICES

COVENANT_STATUS_CHOICES = [
    ("breached", "Breached"),
    ("at_risk", "At risk"),
    ("met", "Met"),
    ("not_tested", "Not tested"),
]


def _money(**options: object) -> models.DecimalField:
    return models.DecimalField(max_digits=18, decimal_places=2, **options)  # type: ignore[arg-type]


class FacilityPosition(models.Model):
    facility = models.OneToOneField(
        "abl.Facility", on_delete=models.CASCADE, primary_key=True, related_name="position"
    )
    name = models.CharField(max_length=200, help_text="The facility's name, for sorting")
    as_of = models.DateField(help_text="The business date the figures were measured on")
    refreshed_at = models.DateTimeField(auto_now=True)

    commitment = _money(null=True, blank=True)
    certificate = models.ForeignKey(
        "abl.Certificate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    certificate_as_of = models.DateField(null=True, blank=True)
    certificate_stale = models.BooleanField(default=False)
    borrowing_base = _money(null=True, blank=True)
    reserves = _money(null=True, blank=True)
    line_cap = _money(null=True, blank=True)
    outstanding = _money(default=0)
    excess_availability = _money(null=True, blank=True)
    excess_availability_pct = models.DecimalField(
        max_digits=12, decimal_places=8, null=True, blank=True
    )
    utilisation = models.DecimalField(
        max_digits=12, decimal_places=8, null=True, blank=True, help_text="Outstanding ÷ line cap"
    )
    over_advanced = models.BooleanField(default=False)

    frequency = models.CharField(max_length=10, choices=FREQUENCY_CHOICES, blank=True)
    next_certificate_due = models.DateField(null=True, blank=True)
    next_financials_due = models.DateField(null=True, blank=True)
    overdue_items = models.PositiveIntegerField(default=0)
    overdue_since = models.DateField(null=True, blank=True)

    covenant_status = models.CharField(
        max_length=20, choices=COVENANT_STATUS_CHOICES, default="not_tested"
    )
    covenants_period_end = models.DateField(null=True, blank=True)
    tightest_covenant = models.CharField(max_length=40, blank=True)
    tightest_headroom_pct = models.DecimalField(
        max_digits=14, decimal_places=6, null=True, blank=True
    )
    open_breaches = models.PositiveIntegerField(default=0)
    projected_breaches = models.PositiveIntegerField(default=0)
    in_default = models.BooleanField(default=False)

    fees_month = models.DateField(null=True, blank=True, help_text="The first day of the month")
    fees_this_month = _money(default=0)

    exceptions = models.JSONField(default=list, help_text="The exception kinds, worst first")
    exception_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["exception_count", "name"], name="position_exceptions"),
            models.Index(fields=["frequency", "name"], name="position_frequency"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.as_of}"

    @property
    def exception_labels(self) -> list[str]:
        return [EXCEPTION_LABELS[kind] for kind in self.exceptions if kind in EXCEPTION_LABELS]

    @property
    def tightest_covenant_title(self) -> str:
        return TITLES.get(self.tightest_covenant, self.tightest_covenant)
