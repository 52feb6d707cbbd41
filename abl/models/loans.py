"""The loan ledger and the borrower's requests for advances (§5, §7; docs/loans.md).

Every change to the outstanding balance is a `LedgerEntry`, signed (an advance
raises the balance, a repayment lowers it) with its value date; entries are
never changed or deleted (the database refuses it), a correction is a new entry.

The database is the last line against two approvals overdrawing together:
entries of a facility form a chain (`seq` 1, 2, 3 … unique per facility, each
`balance_after` the one before plus its amount, checked by a trigger on
PostgreSQL), and an advance's `balance_after` may not exceed the line cap it
was approved against (a CHECK). Two transactions that read the same head both
write the same next `seq`: the second waits for the first and then fails.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from abl.calc.loans import RunningBalance, balance_on, running_balances


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def balance_on(self, on: dt.date) -> Decimal:
        """The outstanding balance at the end of `on`: the ledger's running balance (§7,
        `abl.calc.loans.balance_on`) after the last entry valued on or before it."""
        return balance_on(self.filter(value_date__lte=on).values_list("value_date", "amount"), on)

    def running_balances(self) -> list[RunningBalance]:
        """Every entry's running balance, by value date then recording order (§7)."""
        return running_balances(self.values_list("value_date", "seq", "amount"))


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", "Opening balance"
        ADVANCE = "advance", "Advance"
        REPAYMENT = "repayment", "Repayment"
        COLLECTION = "collection", "Collection"
        INTEREST = "interest", "Interest"
        FEE = "fee", "Fee"
        CORRECTION = "correction", "Correction"

    facility = models.ForeignKey("abl.Facility", on_delete=models.PROTECT, related_name="ledger")
    seq = models.PositiveIntegerField(help_text="1, 2, 3 … per facility, in the order written")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value_date = models.DateField()
    amount = models.DecimalField(
        max_digits=18, decimal_places=2, help_text="Signed: + raises the outstanding balance"
    )
    balance_after = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        help_text="Every entry written so far, this one included, whatever its value date",
    )
    line_cap = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="An advance: the line cap of the certificate it was approved against",
    )
    certificate = models.ForeignKey(
        "abl.Certificate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    advance = models.OneToOneField(
        "abl.AdvanceRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entry",
    )
    description = models.CharField(max_length=300, blank=True)
    source = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where it came from, e.g. a CSV file's SHA-256 and row",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_on = models.DateField(
        null=True, blank=True, help_text="The business date it was written"
    )

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["facility", "seq"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["facility", "value_date"])]
        constraints = [
            models.UniqueConstraint(fields=["facility", "seq"], name="ledger_one_entry_per_place"),
            models.UniqueConstraint(
                fields=["facility", "source"], condition=~Q(source=""), name="ledger_source_once"
            ),
            models.CheckConstraint(name="ledger_seq_from_one", condition=Q(seq__gte=1)),
            models.CheckConstraint(name="ledger_amount_not_zero", condition=~Q(amount=0)),
            models.CheckConstraint(
                name="ledger_sign_follows_kind",
                condition=Q(kind__in=["advance", "interest", "fee", "opening"], amount__gt=0)
                | Q(kind__in=["repayment", "collection"], amount__lt=0)
                | Q(kind="correction"),
            ),
            # The last line against overdrawing: an advance never takes the
            # running balance above the line cap it was approved against.
            models.CheckConstraint(
                name="ledger_advance_within_line_cap",
                condition=~Q(kind="advance")
                | Q(
                    line_cap__isnull=False,
                    certificate__isnull=False,
                    advance__isnull=False,
                    balance_after__lte=models.F("line_cap"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} valued {self.value_date}"


class AdvanceRequestQuerySet(models.QuerySet["AdvanceRequest"]):
    def in_flight(self) -> "AdvanceRequestQuerySet":
        """Awaiting a decision (§7's requests in flight), as `AdvanceRequest.is_open` says of
        one; live availability's hand-written query sums the same (tests/abl/loans/
        test_live_availability.py)."""
        return self.filter(status=AdvanceRequest.Status.REQUESTED)


class AdvanceRequest(models.Model):
    """A borrower's request for an advance; an analyst approves or declines it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="advance_requests"
    )
    key = models.CharField(
        max_length=100, help_text="The requester's idempotency key: the same key, one request"
    )
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    value_date = models.DateField()
    purpose = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_on = models.DateField(
        null=True, blank=True, help_text="The business date it was requested"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_on = models.DateField(
        null=True, blank=True, help_text="The business date it was decided"
    )
    comment = models.TextField(blank=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Above the first approver's limit: who approved first; a second analyst decides",
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    first_approved_on = models.DateField(
        null=True, blank=True, help_text="The business date of the first approval"
    )
    first_comment = models.TextField(blank=True, default="", db_default="")
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_on = models.DateField(
        null=True, blank=True, help_text="The business date it was withdrawn"
    )
    excess_before = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="At approval: excess availability before the advance",
    )

    objects = AdvanceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "key"], name="advance_one_request_per_key"),
            models.CheckConstraint(name="advance_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="advance_decided_when_not_requested",
                condition=Q(status="requested", decided_by__isnull=True)
                | Q(status="withdrawn", decided_by__isnull=True, withdrawn_by__isnull=False)
                | (Q(status__in=["approved", "declined"]) & Q(decided_by__isnull=False)),
            ),
            models.CheckConstraint(
                name="advance_never_self_approved",
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
            ),
            models.CheckConstraint(
                name="advance_first_approver_not_requester",
                condition=Q(first_approved_by__isnull=True)
                | ~Q(first_approved_by=models.F("requested_by")),
            ),
            models.CheckConstraint(
                name="advance_two_different_approvers",
                condition=~Q(status="approved")
                | Q(first_approved_by__isnull=True)
                | ~Q(decided_by=models.F("first_approved_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Advance request {self.pk}: {self.amount} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        """Awaiting a decision (a first approval above its approver's limit included): in
        flight, and the borrower may still withdraw it."""
        return self.status == self.Status.REQUESTED

    @property
    def awaits_second_approval(self) -> bool:
        return self.is_open and self.first_approved_by_id is not None
