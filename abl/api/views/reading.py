"""Fee statements, financial statements and covenant results (§16 d): read only, from the
functions the pages and `fee_statement --json` use."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from abl import business_date
from abl.access import facilities_for, get_facility_for_user
from abl.api import serializers as s
from abl.api.problems import Problem
from abl.api.views.common import api_user, problems
from abl.calc.fees import Month
from abl.models import Facility
from abl.models.fees import FeeStatementDocument
from abl.services import fees
from covenants.models import StatementVersion

MONTH = OpenApiParameter(
    "month", OpenApiTypes.STR, description="YYYY-MM (default: the month before the business date)"
)
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}


def _month(request: Request) -> Month:
    """?month=YYYY-MM, or the month before the business date's, as the statement page reads it."""
    text = request.query_params.get("month", "")
    if not text:
        return Month.of(business_date.today()).previous()
    try:
        return Month.parse(text[:20])
    except ValueError as error:
        raise Problem(400, f"month: {error}", field="month") from None


def _pdf(document: FeeStatementDocument, facility: Facility) -> HttpResponse:
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    name = f"fees-{facility.slug}-{document.period:%Y-%m}-{document.sha256[:12]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@extend_schema(parameters=[MONTH], responses={200: s.FeeStatementSerializer, **problems(400, 404)})
@api_view(["GET"])
def fee_statement(request: Request, pk: int) -> Response:
    """The facility's fees and interest for a month, as posted: the `fee_statement --json` object."""
    facility = get_facility_for_user(api_user(request), pk)
    return Response(fees.fee_statement(facility=facility, month=_month(request)).to_data())


@extend_schema(parameters=[MONTH], responses={**PDF, **problems(400, 404)})
@api_view(["GET"])
def fee_statement_pdf(request: Request, pk: int) -> HttpResponse:
    """The month's statement as a PDF, stored once per state (as the page's download)."""
    facility = get_facility_for_user(api_user(request), pk)
    month = _month(request)
    return _pdf(fees.render_statement_document(facility=facility, month=month), facility)


class FeeStatementDocuments(generics.ListAPIView[FeeStatementDocument]):
    """The statement PDFs stored for the facility, newest first."""

    serializer_class = s.FeeStatementDocumentSerializer

    def get_queryset(self) -> QuerySet[FeeStatementDocument]:
        facility = get_facility_for_user(api_user(self.request), self.kwargs["pk"])
        return facility.fee_statement_documents.defer("pdf")

    @extend_schema(responses={200: s.FeeStatementDocumentSerializer(many=True), **problems(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(responses={**PDF, **problems(404)})
@api_view(["GET"])
def fee_statement_document(request: Request, pk: int) -> HttpResponse:
    """A stored statement PDF, as it was rendered."""
    document = (
        FeeStatementDocument.objects.filter(pk=pk, facility__in=facilities_for(api_user(request)))
        .select_related("facility")
        .first()
    )
    if document is None:
        raise Http404("No such statement")
    return _pdf(document, document.facility)


class FinancialStatements(generics.ListAPIView[StatementVersion]):
    """Every version of the facility's financial statements, newest first, each with its
    latest covenant test (the results as computed, decimals as strings)."""

    serializer_class = s.StatementVersionSerializer

    def get_queryset(self) -> QuerySet[StatementVersion]:
        facility = get_facility_for_user(api_user(self.request), self.kwargs["pk"])
        return StatementVersion.objects.filter(statement__facility=facility).select_related(
            "statement", "latest_test"
        )

    @extend_schema(responses={200: s.StatementVersionSerializer(many=True), **problems(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
