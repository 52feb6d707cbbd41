"""The fee ledger (§9): charges posted to the loan, the base rate series, field exams.

A `FeeCharge` is one fee or one month's interest charged to the facility, with
the loan ledger entry that charged it, or an interest adjustment: the month's
interest worked out again after an entry was valued back into it, less what was
posted for it before. The database is the last line against charging twice: one
monitoring and one interest charge per facility and month, one set-up charge per
facility, one charge per field exam, one adjustment per month and state of the
ledger it was worked out on; and it refuses to change or delete a charge once
written (abl/0019). A `FeeStatementDocument` is a month's statement as a PDF,
stored once per state of the statement (abl/0020). See docs/fees.md.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

FIELD_EXAM_FEE = Decimal("2700.00")


class BaseRate(models.Model):
    """The base rate (e.g. prime) in force from `effective_date` until the next one."""

    name = models.CharField(max_length=40, default="prime")
    effective_date = models.DateField()
    rate = models.DecimalField(
        max_digits=9, decimal_places=6, help_text="A fraction: 0.0425 is 4.25% a year"
    )
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "effective_date"], name="one_base_rate_per_day"
            ),
            models.CheckConstraint(
                name="base_rate_a_fraction", condition=Q(rate__gte=0, rate__lt=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.rate} from {self.effective_date}"

    @property
    def rate_percent(self) -> str:
        from abl.calc.fees import percent_text

        return percent_text(self.rate)


class FieldExam(models.Model):
    """A field exam ("audit fees for periodic ABL review"): scheduled, then recorded as done.

    Recording it gives it its place among the year's exams done (`charge_year`,
    `charge_number` 1, 2, 3, 4 …, unique). The letter caps the charges, not the exams
    (§9): one beyond the terms' `max_per_year` is held only with the bank's reason
    (`hold_reason`) and is not charged (`not_charged` says why; empty when charged).
    """

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="field_exams"
    )
    scheduled_for = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    fee = models.DecimalField(max_digits=18, decimal_places=2, default=FIELD_EXAM_FEE)
    notes = models.TextField(blank=True)
    charge_year = models.PositiveIntegerField(null=True, blank=True)
    charge_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="Its place among the year's exams done: 1, 2, 3, 4 …"
    )
    hold_reason = models.TextField(
        blank=True,
        help_text="Why the bank holds it beyond the year's most charged (risk, a breach)",
    )
    not_charged = models.CharField(
        max_length=300, blank=True, help_text="Why it is not charged; empty when it is"
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "scheduled_for", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "charge_year", "charge_number"],
                name="field_exam_one_charge_place",
            ),
            models.CheckConstraint(name="field_exam_fee_positive", condition=Q(fee__gt=0)),
            models.CheckConstraint(
                name="field_exam_charged_when_done",
                condition=Q(
                    done_on__isnull=True, charge_year__isnull=True, charge_number__isnull=True
                )
                | Q(done_on__isnull=False, charge_year__isnull=False, charge_number__gte=1),
            ),
            models.CheckConstraint(
                name="field_exam_not_charged_when_done",
                condition=Q(not_charged="") | Q(done_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        when = f"done {self.done_on}" if self.done_on else f"scheduled for {self.scheduled_for}"
        return f"Field exam {self.pk} of {self.facility} ({when})"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def is_charged(self) -> bool:
        return self.is_done and not self.not_charged


class FeeCharge(models.Model):
    """One posted charge: a fee, a month's interest or an interest adjustment, and the loan
    ledger entry that charged it.

    An adjustment (`interest_adjustment`) is signed: the month's interest worked
    out again on the ledger through entry `recomputed_through`, less the interest
    and adjustments posted for that month before. Its ledger entry is `interest`
    when it charges more, `correction` when it gives back.
    """

    class Kind(models.TextChoices):
        MONITORING = "monitoring", "Monthly monitoring fee"
        SETUP = "setup", "Online reporting set-up fee"
        FIELD_EXAM = "field_exam", "Field exam"
        INTEREST = "interest", "Interest"
        INTEREST_ADJUSTMENT = "interest_adjustment", "Interest adjustment"

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="fee_charges"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period = models.DateField(help_text="The first day of the month it was posted for")
    date = models.DateField(help_text="The charge's date, within its period")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    description = models.CharField(max_length=300)
    field_exam = models.OneToOneField(
        FieldExam, on_delete=models.PROTECT, null=True, blank=True, related_name="charge"
    )
    entry = models.OneToOneField(
        "abl.LedgerEntry", on_delete=models.PROTECT, related_name="fee_charge"
    )
    recomputed_through = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="An interest adjustment: the last ledger entry (seq) the month was worked on",
    )
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "date", "pk"]
        indexes = [models.Index(fields=["facility", "period"])]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind", "period"],
                condition=Q(kind__in=["monitoring", "interest"]),
                name="fee_once_per_month",
            ),
            models.UniqueConstraint(
                fields=["facility"], condition=Q(kind="setup"), name="fee_setup_once"
            ),
            # Posting twice on the same ledger adjusts a month once.
            models.UniqueConstraint(
                fields=["facility", "period", "recomputed_through"],
                condition=Q(kind="interest_adjustment"),
                name="fee_adjustment_once_per_ledger_state",
            ),
            models.CheckConstraint(
                name="fee_amount_positive_or_an_adjustment",
                condition=Q(amount__gt=0) | (Q(kind="interest_adjustment") & ~Q(amount=0)),
            ),
            models.CheckConstraint(
                name="fee_adjustment_names_its_ledger_state",
                condition=Q(kind="interest_adjustment", recomputed_through__isnull=False)
                | (~Q(kind="interest_adjustment") & Q(recomputed_through__isnull=True)),
            ),
            models.CheckConstraint(
                name="fee_exam_charge_names_its_exam",
                condition=Q(kind="field_exam", field_exam__isnull=False)
                | (~Q(kind="field_exam") & Q(field_exam__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.date} ({self.facility})"


class FeeStatementDocument(models.Model):
    """A month's fee statement of a facility as a PDF, in one state; never changed.

    `state` is the SHA-256 of what the statement says (its lines, total and the
    placeholder note: `abl.calc.fees.FeeStatement.state`): rendering again for
    the same state makes no second record, and an adjustment posted into the
    month later makes a new state and a second PDF beside the first. The
    database refuses UPDATE and DELETE of a row (migration 0020).
    """

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="fee_statement_documents"
    )
    period = models.DateField(help_text="The first day of the statement's month")
    state = models.CharField(max_length=64, help_text="SHA-256 of the statement's figures")
    total = models.DecimalField(max_digits=18, decimal_places=2)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(auto_now_add=True)
    rendered_on = models.DateField(
        null=True, blank=True, help_text="The business date it was rendered"
    )

    class Meta:
        ordering = ["facility", "period", "rendered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "period", "state"], name="fee_statement_pdf_once_per_state"
            )
        ]

    def __str__(self) -> str:
        return f"Fee statement {self.period:%Y-%m} of {self.facility} (PDF {self.sha256[:12]})"
