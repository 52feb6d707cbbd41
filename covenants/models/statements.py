"""Financial statements: one per facility, kind and period end, each submission a version.

A version never changes once submitted: a restatement is a new version and the
old one is kept. The covenant results of a version under a terms version are a
`CovenantTest`, stored as computed (the inputs, the terms version and every
figure), so a page or certificate never recomputes them from data that changed
later; an amendment (a new terms version) adds a test, it does not rewrite one.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from covenants.calc.financials import Financials


def _money(help_text: str = "") -> models.DecimalField:
    return models.DecimalField(max_digits=18, decimal_places=2, help_text=help_text)


class FinancialStatement(models.Model):
    class Kind(models.TextChoices):
        ACTUAL = "actual", "Actual"
        PROJECTION = "projection", "Projection"

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="financial_statements"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period_end = models.DateField(help_text="Balances at this date; flows for 12 months to it")
    due_on = models.DateField(null=True, blank=True, help_text="Actuals only: period end + 30 days")
    current = models.ForeignKey(
        "covenants.StatementVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The newest version (the one tested)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "kind", "period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind", "period_end"], name="one_statement_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} statement {self.period_end} of {self.facility}"


class StatementVersion(models.Model):
    """One submission of a statement's figures, certified by the borrower's officer."""

    class Source(models.TextChoices):
        FORM = "form", "Form"
        UPLOAD = "upload", "Upload"

    statement = models.ForeignKey(
        FinancialStatement, on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField()
    total_equity = _money()
    goodwill = _money()
    other_intangibles = _money()
    deferred_tax_asset = _money()
    total_liabilities = _money()
    subordinated_debt = _money()
    ebitda = _money("Twelve months to the period end")
    unfinanced_capex = _money("Twelve months to the period end")
    cash_taxes = _money("Twelve months to the period end")
    distributions = _money("Twelve months to the period end")
    interest_expense = _money("Twelve months to the period end")
    scheduled_principal = _money("Twelve months to the period end")
    capex_ytd = _money("Fiscal year to the period end")
    new_business_capex_ytd = _money("Fiscal year to the period end")
    source = models.CharField(max_length=20, choices=Source.choices)
    file_name = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was restated")
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    officer_title = models.CharField(max_length=120)
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_on = models.DateField(help_text="The business date of the submission")
    late = models.BooleanField(default=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_on = models.DateField(
        null=True, blank=True, help_text="The business date it was accepted"
    )
    latest_test = models.ForeignKey(
        "covenants.CovenantTest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The test under the newest terms version",
    )

    class Meta:
        ordering = ["statement", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "version"], name="one_number_per_statement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement} v{self.version}"

    def financials(self, *, approved_additional_capex: Decimal) -> Financials:
        from covenants.calc.financials import FIELDS

        values = {
            name: getattr(self, name) for name in FIELDS if name != "approved_additional_capex"
        }
        return Financials(**values, approved_additional_capex=approved_additional_capex)


class CovenantTest(models.Model):
    """The covenant results of one statement version under one terms version, as computed."""

    statement_version = models.ForeignKey(
        StatementVersion, on_delete=models.PROTECT, related_name="tests"
    )
    terms_version = models.ForeignKey(
        "abl.TermsVersion", on_delete=models.PROTECT, related_name="+"
    )
    approved_additional_capex = _money("The bank's approvals for the year when tested")
    at_risk_pct = models.DecimalField(max_digits=6, decimal_places=4)
    results = models.JSONField(help_text="One object per covenant in force, decimals as strings")
    failed = models.BooleanField(help_text="Any covenant failed")
    tested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["statement_version", "terms_version"], name="one_test_per_terms_version"
            )
        ]

    def __str__(self) -> str:
        return f"Covenant test of {self.statement_version} under terms v{self.terms_version_id}"
