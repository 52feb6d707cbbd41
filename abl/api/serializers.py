"""What the API reads and writes. Money is a decimal string ("1234.50"), read by the one
amount parser the forms and files use (abl.readers.parse_amount), so it refuses the same
things with the same words. No rule lives here: the services decide."""

from decimal import Decimal
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from abl.calc.money import from_cents
from abl.calc.receivables import CATEGORIES
from abl.models import (
    AdvanceRequest,
    ApiToken,
    Certificate,
    CertificateExport,
    CollateralFile,
    CustomerLine,
    Facility,
    LedgerEntry,
    TermsVersion,
)
from abl.models.fees import FeeStatementDocument
from abl.readers import parse_amount
from abl.readers.values import Sign
from covenants.models import CovenantTest, StatementVersion


@extend_schema_field({"type": "string", "format": "decimal", "example": "1250000.00"})
class Amount(serializers.Field):
    """An amount as a decimal string, positive (or not negative), read as the forms read it."""

    def __init__(self, *, sign: Sign = "positive", **options: Any) -> None:
        super().__init__(**options)
        self.sign: Sign = sign

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            raise serializers.ValidationError('An amount is a decimal string such as "1250.00".')
        try:
            return from_cents(parse_amount(str(data), sign=self.sign))
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value: Decimal) -> str:
        return f"{value:.2f}"


class Money(serializers.DecimalField):
    def __init__(self, **options: Any) -> None:
        super().__init__(max_digits=18, decimal_places=2, coerce_to_string=True, **options)


class FacilitySerializer(serializers.ModelSerializer[Facility]):
    borrower = serializers.CharField(source="borrower.name")
    lender = serializers.CharField(source="lender.name")

    class Meta:
        model = Facility
        fields = ["id", "slug", "name", "borrower", "lender"]


class TermsVersionSerializer(serializers.ModelSerializer[TermsVersion]):
    class Meta:
        model = TermsVersion
        fields = ["version", "effective_date", "reason", "recorded_on", "data"]


class FacilityStatusSerializer(serializers.Serializer[Any]):
    """The object `facility_status --json` prints (§10), from the same function."""

    facility = serializers.CharField()
    on = serializers.DateField()
    borrowing_base = Money(allow_null=True)
    reserves = Money(allow_null=True)
    line_cap = Money(allow_null=True)
    outstanding = Money()
    excess_availability = Money(allow_null=True)
    excess_availability_pct = serializers.CharField(allow_null=True)
    reporting_frequency = serializers.CharField(allow_null=True)
    frequency_since = serializers.DateField(allow_null=True)
    next_certificate_due = serializers.DateField(allow_null=True)
    next_financials_due = serializers.DateField(allow_null=True)
    certificate_stale = serializers.BooleanField()
    requests_pending = Money()
    excess_availability_after_pending = Money(allow_null=True)
    in_default = serializers.BooleanField()


class AdvanceSerializer(serializers.ModelSerializer[AdvanceRequest]):
    amount = Money()
    excess_before = Money(allow_null=True)
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    first_approved_by = serializers.CharField(source="first_approved_by.username", allow_null=True)
    awaits_second_approval = serializers.BooleanField()

    class Meta:
        model = AdvanceRequest
        fields = [
            "id",
            "facility",
            "amount",
            "value_date",
            "purpose",
            "status",
            "requested_by",
            "requested_on",
            "first_approved_by",
            "awaits_second_approval",
            "decided_by",
            "decided_on",
            "comment",
            "withdrawn_on",
            "excess_before",
        ]


class AdvanceRequestInput(serializers.Serializer[Any]):
    amount = Amount()
    value_date = serializers.DateField(required=False, allow_null=True)
    purpose = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AdvanceDecisionInput(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["approve", "decline"])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class LedgerEntrySerializer(serializers.ModelSerializer[LedgerEntry]):
    amount = Money()
    balance_after = Money()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "seq",
            "kind",
            "value_date",
            "amount",
            "balance_after",
            "description",
            "source",
            "advance",
            "created_by",
            "recorded_on",
        ]


class RepaymentInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["repayment", "collection"], default="repayment")
    amount = Amount()
    value_date = serializers.DateField()
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "read_only", "created_at", "expires_at", "last_used_at"]


class CollateralFileSerializer(serializers.ModelSerializer[CollateralFile]):
    total = Money(allow_null=True)

    class Meta:
        model = CollateralFile
        fields = [
            "id",
            "kind",
            "original_name",
            "sha256",
            "size",
            "status",
            "progress",
            "stage",
            "row_count",
            "total",
            "problems",
            "more_problems",
            "uploaded_on",
        ]


class CertificateExportSerializer(serializers.ModelSerializer[CertificateExport]):
    """A computation's spreadsheet as the certificate page's panel shows it: its progress and,
    once it is in storage, where to download it (`download` is null until then)."""

    download = serializers.SerializerMethodField()

    class Meta:
        model = CertificateExport
        fields = ["computation", "status", "rows_written", "rows_total", "problem", "download"]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download(self, export: CertificateExport) -> str | None:
        if not export.available:
            return None
        path = reverse("api_certificate_xlsx", args=[export.certificate_id])
        url = f"{path}?computation={export.computation_id}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class CertificateSerializer(serializers.ModelSerializer[Certificate]):
    reported_outstanding = Money(allow_null=True)
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "facility", "as_of", "status", "reported_outstanding", "figures"]

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
    def get_figures(self, certificate: Certificate) -> dict[str, Any] | None:
        """The current computation's §10 borrowing base object, as stored (money as strings)."""
        figures: dict[str, Any] | None = (
            certificate.current.figures if certificate.current is not None else None
        )
        return figures


class DraftInput(serializers.Serializer[Any]):
    as_of = serializers.DateField()


class UploadInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=CollateralFile.Kind.choices)
    file = serializers.FileField()
    replace = serializers.BooleanField(default=False)


class CertifyInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150)
    title = serializers.CharField(max_length=150)
    explanation = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ReviewInput(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["approve", "return"])
    comment = serializers.CharField(required=False, allow_blank=True)


class CustomerLineSerializer(serializers.ModelSerializer[CustomerLine]):
    gross = Money()
    eligible = Money()
    ineligible = serializers.SerializerMethodField()

    class Meta:
        model = CustomerLine
        fields = [
            "customer_id",
            "customer_name",
            "country",
            "affiliate",
            "government",
            "invoice_count",
            "gross",
            "eligible",
            "ineligible",
        ]

    @extend_schema_field(
        {"type": "object", "additionalProperties": {"type": "string", "format": "decimal"}}
    )
    def get_ineligible(self, line: CustomerLine) -> dict[str, str]:
        """Each category's ineligible amount (§3), by category name."""
        return {c: f"{getattr(line, f'{c}_ineligible'):.2f}" for c in CATEGORIES}


class InvoiceRowSerializer(serializers.Serializer[Any]):
    """An invoice with its age at the as-of date and the engine's reason (as the page shows)."""

    row = serializers.IntegerField(source="invoice.row")
    invoice_number = serializers.CharField(source="invoice.invoice_number")
    invoice_date = serializers.DateField(source="invoice.invoice_date")
    due_date = serializers.DateField(source="invoice.due_date", allow_null=True)
    amount = Money(source="invoice.amount")
    days = serializers.IntegerField()
    reason = serializers.CharField()


class FeeLineSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    kind = serializers.CharField()
    description = serializers.CharField()
    amount = Money()


class FeeStatementSerializer(serializers.Serializer[Any]):
    """The object `fee_statement --json` prints (§10), from the same function."""

    facility = serializers.CharField()
    month = serializers.CharField()
    lines = FeeLineSerializer(many=True)
    total = Money()


class FeeStatementDocumentSerializer(serializers.ModelSerializer[FeeStatementDocument]):
    total = Money()
    month = serializers.DateField(source="period", format="%Y-%m")

    class Meta:
        model = FeeStatementDocument
        fields = ["id", "month", "state", "total", "sha256", "rendered_on"]


class CovenantTestSerializer(serializers.ModelSerializer[CovenantTest]):
    class Meta:
        model = CovenantTest
        fields = ["failed", "at_risk_pct", "results", "terms_version", "tested_at"]


class StatementVersionSerializer(serializers.ModelSerializer[StatementVersion]):
    kind = serializers.CharField(source="statement.kind")
    period_end = serializers.DateField(source="statement.period_end")
    current = serializers.SerializerMethodField()
    latest_test = CovenantTestSerializer(allow_null=True)

    class Meta:
        model = StatementVersion
        fields = [
            "id",
            "kind",
            "period_end",
            "version",
            "current",
            "source",
            "submitted_on",
            "late",
            "accepted_on",
            "latest_test",
        ]

    def get_current(self, version: StatementVersion) -> bool:
        """Whether this is the statement's newest version (not restated since)."""
        return bool(version.statement.current_id == version.pk)


class InventoryRowSerializer(serializers.Serializer[Any]):
    """An inventory row with its category under the computation's terms (as the page shows)."""

    row = serializers.IntegerField(source="item.row")
    sku = serializers.CharField(source="item.sku")
    description = serializers.CharField(source="item.description")
    location = serializers.CharField(source="item.location")
    category = serializers.CharField(source="item.category")
    value = Money(source="item.value")
    reason = serializers.CharField()
    rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)
