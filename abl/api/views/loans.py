"""Advances, repayments and the ledger (§16 b): the loan pages' services, as JSON."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from abl.access import get_advance_for_user, get_facility_for_user
from abl.api import serializers as s
from abl.api.idempotency import idempotent
from abl.api.views.common import IDEMPOTENCY_KEY, api_user, problems
from abl.models import AdvanceRequest, LedgerEntry
from abl.services import loans
from abl.services.loans.ledger import Kind

ADVANCE_RELATED = ("facility", "requested_by", "decided_by", "first_approved_by")


class AdvanceList(generics.ListAPIView[AdvanceRequest]):
    """The facility's advance requests, newest first."""

    serializer_class = s.AdvanceSerializer

    def get_queryset(self) -> QuerySet[AdvanceRequest]:
        facility = get_facility_for_user(api_user(self.request), self.kwargs["pk"])
        return facility.advance_requests.select_related(*ADVANCE_RELATED)

    @extend_schema(responses={200: s.AdvanceSerializer(many=True), **problems(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.AdvanceRequestInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.AdvanceSerializer, **problems(400, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        """The borrower asks for an advance (§7), as on the loan page."""
        user = api_user(request)
        facility = get_facility_for_user(user, pk)
        data = s.AdvanceRequestInput(data=request.data)
        data.is_valid(raise_exception=True)

        def act() -> Response:
            advance = loans.request_advance(
                facility=facility,
                actor=user,
                key=request.headers["Idempotency-Key"].strip(),
                amount=data.validated_data["amount"],
                value_date=data.validated_data.get("value_date"),
                purpose=data.validated_data.get("purpose", ""),
            )
            return Response(s.AdvanceSerializer(advance).data, status=status.HTTP_201_CREATED)

        return idempotent(request, act)


@extend_schema(responses={200: s.AdvanceSerializer, **problems(404)})
@api_view(["GET"])
def advance_detail(request: Request, pk: int) -> Response:
    advance = get_advance_for_user(api_user(request), pk)
    return Response(s.AdvanceSerializer(advance).data)


@extend_schema(request=None, responses={200: s.AdvanceSerializer, **problems(400, 404)})
@api_view(["POST"])
def withdraw_advance(request: Request, pk: int) -> Response:
    """The borrower withdraws a request not yet decided."""
    user = api_user(request)
    advance = loans.withdraw_advance(advance=get_advance_for_user(user, pk), actor=user)
    return Response(s.AdvanceSerializer(advance).data)


@extend_schema(
    request=s.AdvanceDecisionInput,
    parameters=[IDEMPOTENCY_KEY],
    responses={200: s.AdvanceSerializer, **problems(400, 404, 409)},
)
@api_view(["POST"])
def decide_advance(request: Request, pk: int) -> Response:
    """An analyst approves (booking it, or a first approval above their limit) or declines."""
    user = api_user(request)
    advance = get_advance_for_user(user, pk)
    data = s.AdvanceDecisionInput(data=request.data)
    data.is_valid(raise_exception=True)
    decision, comment = data.validated_data["decision"], data.validated_data.get("comment", "")

    def act() -> Response:
        if decision == "approve":
            decided = loans.approve_advance(advance=advance, actor=user, comment=comment)
        else:
            decided = loans.decline_advance(advance=advance, actor=user, comment=comment)
        return Response(s.AdvanceSerializer(decided).data)

    return idempotent(request, act)


class LedgerPage(CursorPagination):
    ordering = "-seq"
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"


class Ledger(generics.ListAPIView[LedgerEntry]):
    """The loan ledger, newest entry first, by cursor."""

    serializer_class = s.LedgerEntrySerializer
    pagination_class = LedgerPage

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        facility = get_facility_for_user(api_user(self.request), self.kwargs["pk"])
        return LedgerEntry.objects.filter(facility=facility).select_related("created_by")

    @extend_schema(responses={200: s.LedgerEntrySerializer(many=True), **problems(404)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class Repayments(Ledger):
    """Repayments and collections recorded on the ledger; an analyst records one."""

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        return super().get_queryset().filter(kind__in=[Kind.REPAYMENT, Kind.COLLECTION])

    @extend_schema(
        request=s.RepaymentInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.LedgerEntrySerializer, **problems(400, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        facility = get_facility_for_user(user, pk)
        data = s.RepaymentInput(data=request.data)
        data.is_valid(raise_exception=True)

        def act() -> Response:
            entry = loans.record_repayment(
                facility=facility,
                actor=user,
                amount=data.validated_data["amount"],
                value_date=data.validated_data["value_date"],
                kind=data.validated_data["kind"],
                description=data.validated_data.get("description", ""),
            )
            return Response(s.LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

        return idempotent(request, act)
