"""Borrowing base certificates, their input files and rows, and their computations.

A certificate's inputs (files and their rows) never change once accepted; each
computation of its figures is kept with the terms version it used. Submitting
freezes the borrower's computation; approving records the analyst's.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from abl.calc.money import from_cents
from abl.calc.receivables import CATEGORIES

# Money columns: DecimalField(max_digits=18, decimal_places=2), written out so the
# type checker sees each field's nullability.


class Certificate(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"
        DISCARDED = "discarded", "Discarded"

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="certificates"
    )
    as_of = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The certificate's outstanding comes from the loan ledger on the as-of date
    # (abl.services.computations); this is only the borrower's own figure, shown beside it.
    reported_outstanding = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Loans outstanding at the as-of date by the borrower's own books",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The receivables roll-forward (prior + sales − collections − credits ± adjustments).
    ar_prior_balance = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    ar_sales = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    ar_collections = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    ar_credits = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    ar_adjustments = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    # The inventory roll-forward (prior + purchases − cost of sales ± adjustments).
    inv_prior_balance = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    inv_purchases = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    inv_cost_of_sales = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    inv_adjustments = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    reported_ineligibles = models.JSONField(
        default=dict,
        blank=True,
        help_text="The borrower's own ineligibles by category, as reported",
    )

    current = models.ForeignKey(
        "abl.Computation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted = models.ForeignKey(
        "abl.Computation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved = models.ForeignKey(
        "abl.Computation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_on = models.DateField(
        null=True, blank=True, help_text="The business date it was submitted"
    )
    certified_name = models.CharField(max_length=150, blank=True)
    certified_title = models.CharField(max_length=150, blank=True)
    explanation = models.TextField(
        blank=True, help_text="The borrower's explanation of differences, given when certifying"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_on = models.DateField(
        null=True, blank=True, help_text="The business date it was reviewed"
    )
    review_comment = models.TextField(blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The returned certificate this one corrects (its files and figures carried over)",
    )

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "as_of"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="one_open_certificate_per_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility} certificate as of {self.as_of} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class CollateralFile(models.Model):
    """One uploaded file. Refused files keep their problems but neither bytes nor rows."""

    class Kind(models.TextChoices):
        RECEIVABLES = "receivables", "Receivables aging"
        INVENTORY = "inventory", "Inventory"
        PAYABLES = "payables", "Payables (contras)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused"
        REPLACED = "replaced", "Replaced"
        DISCARDED = "discarded", "Discarded"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    original_name = models.CharField(max_length=255)
    stored = models.FileField(upload_to="collateral/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=120, blank=True)
    problems = models.JSONField(default=list, blank=True)
    more_problems = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_on = models.DateField(
        null=True, blank=True, help_text="The business date it was uploaded"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # The claim of the worker processing the file: renewed with each step, so a
    # claim whose worker died goes stale and can be taken again (or swept).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in {self.Status.QUEUED, self.Status.PROCESSING}

    @property
    def problem_count(self) -> int:
        """Every problem found in a refused file: those listed and those only counted."""
        return len(self.problems) + self.more_problems


class Invoice(models.Model):
    """One open receivables item as reported; written by COPY, never updated.

    Only what the drill-down shows per item is kept: the customer's name,
    country and flags are the same on all its rows (the reader checks) and are
    kept once, on its CustomerLine. The key is the row's position in its file
    in the drill-down's order (customer, then row), and rows are written in
    that order: a customer's page is a range of the key. On PostgreSQL each
    file's rows are a partition of their own (abl/bulk.py), whose key is built
    in one sorted pass when it is attached.
    """

    pk = models.CompositePrimaryKey("file", "seq")
    # No foreign key constraint: a million per-row checks at commit cost seconds;
    # rows are only ever written by abl.services.processing.rows for the file it holds.
    file = models.ForeignKey(
        CollateralFile,
        on_delete=models.CASCADE,
        related_name="invoices",
        db_constraint=False,
        db_index=False,
    )
    customer_id = models.CharField(max_length=100)
    row = models.PositiveIntegerField()
    invoice_number = models.CharField(max_length=100)
    invoice_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    amount_cents = models.BigIntegerField()
    # The row's place in its file in the drill-down's order (customer, then row),
    # from 0: a customer's page is the range first_seq + page × 50 of its CustomerLine.
    seq = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.customer_id} {self.invoice_number} {self.amount}"

    @property
    def amount(self) -> Decimal:
        return from_cents(self.amount_cents)


class InventoryItem(models.Model):
    # No database constraint: a million per-row checks at commit cost seconds;
    # rows are only ever written by abl.services.collateral for the file it holds.
    file = models.ForeignKey(
        CollateralFile,
        on_delete=models.CASCADE,
        related_name="items",
        db_constraint=False,
        db_index=False,
    )
    row = models.PositiveIntegerField()
    sku = models.CharField(max_length=100)
    description = models.CharField(max_length=255)
    location = models.CharField(max_length=100)
    category = models.CharField(max_length=30)
    program = models.CharField(max_length=50, blank=True)
    quantity = models.DecimalField(max_digits=20, decimal_places=4)
    unit_cost = models.DecimalField(max_digits=20, decimal_places=4)
    value = models.DecimalField(max_digits=18, decimal_places=2)
    in_transit = models.BooleanField()
    consigned = models.BooleanField()
    obsolete = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["file", "row"])]

    def __str__(self) -> str:
        return f"{self.sku} at {self.location}: {self.value}"


class Payable(models.Model):
    # No database constraint: a million per-row checks at commit cost seconds;
    # rows are only ever written by abl.services.collateral for the file it holds.
    file = models.ForeignKey(
        CollateralFile, on_delete=models.CASCADE, related_name="payables", db_constraint=False
    )
    row = models.PositiveIntegerField()
    customer_id = models.CharField(max_length=100)
    vendor_name = models.CharField(max_length=255)
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.customer_id} owed {self.amount} as {self.vendor_name}"


class Computation(models.Model):
    """The figures of a certificate computed under one terms version; never changed."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="computations"
    )
    terms_version = models.ForeignKey(
        "abl.TermsVersion", on_delete=models.PROTECT, related_name="+"
    )
    figures = models.JSONField(help_text="The §10 borrowing base object: money as strings")
    inputs = models.JSONField(
        default=dict, help_text="Input files with SHA-256, outstanding, rates used"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Computation {self.pk} of certificate {self.certificate_id}: {self.reason}"


class CustomerLine(models.Model):
    """One customer's receivables in a computation: gross, each ineligible, eligible."""

    computation = models.ForeignKey(Computation, on_delete=models.CASCADE, related_name="customers")
    customer_id = models.CharField(max_length=100)
    customer_name = models.CharField(max_length=255)
    country = models.CharField(max_length=2)
    affiliate = models.BooleanField()
    government = models.BooleanField()
    invoice_count = models.PositiveIntegerField()
    gross = models.DecimalField(max_digits=18, decimal_places=2)
    positive = models.DecimalField(max_digits=18, decimal_places=2)
    positive_aged = models.DecimalField(max_digits=18, decimal_places=2)
    contra_total = models.DecimalField(max_digits=18, decimal_places=2)
    affiliate_ineligible = models.DecimalField(max_digits=18, decimal_places=2)
    government_ineligible = models.DecimalField(max_digits=18, decimal_places=2)
    foreign_ineligible = models.DecimalField(max_digits=18, decimal_places=2)
    cross_aged_ineligible = models.DecimalField(max_digits=18, decimal_places=2)
    past_due_ineligible = models.DecimalField(max_digits=18, decimal_places=2)
    contra_ineligible = models.DecimalField(max_digits=18, decimal_places=2)
    concentration_ineligible = models.DecimalField(max_digits=18, decimal_places=2)
    eligible = models.DecimalField(max_digits=18, decimal_places=2)
    # Where the customer's invoices start in its file's order (Invoice.seq).
    first_seq = models.PositiveIntegerField()

    class Meta:
        ordering = ["-gross", "customer_id"]
        indexes = [models.Index(fields=["computation", "customer_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["computation", "customer_id"], name="one_line_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: eligible {self.eligible} of {self.gross}"

    @property
    def ineligible(self) -> Decimal:
        return self.gross - self.eligible

    def reasons(self) -> list[str]:
        """The categories that took some of this customer's balance, in the rules' order."""
        if self.gross <= 0:
            return ["credit balance, counted as is"]
        return [c.replace("_", " ") for c in CATEGORIES if getattr(self, f"{c}_ineligible")]
