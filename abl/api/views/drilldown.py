"""The drill-down (§16 c): a category's customers, a customer's invoices, inventory rows, by cursor; the
same queries as the pages (abl/views/drilldown.py), `?computation=` as they take it."""

from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from abl.access import get_certificate_for_user
from abl.api import serializers as s
from abl.api.views.common import api_user, problems
from abl.calc.inventory import category_tests
from abl.calc.receivables import CATEGORIES
from abl.models import (
    Certificate,
    CollateralFile,
    Computation,
    CustomerLine,
    InventoryItem,
    Invoice,
)
from abl.reasons import inventory_filter, inventory_reasons, invoice_reasons
from abl.services.terms import computation_terms
from abl.views.drilldown import shown_computation

COMPUTATION = OpenApiParameter(
    "computation",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    description="One of the certificate's computations (default: the current one)",
)


def _shown(request: Request, pk: int) -> tuple[Certificate, Computation]:
    certificate = get_certificate_for_user(api_user(request), pk)
    return certificate, shown_computation(cast(HttpRequest, request), certificate)


class CustomerPage(CursorPagination):
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(queryset.query.order_by) or ("customer_id",)


class Customers(generics.ListAPIView[CustomerLine]):
    """The certificate's customers, or those with an ineligible amount of `?category=`,
    largest first (as the page lists them)."""

    serializer_class = s.CustomerLineSerializer
    pagination_class = CustomerPage

    def get_queryset(self) -> QuerySet[CustomerLine]:
        _, computation = _shown(self.request, self.kwargs["pk"])
        category = self.request.GET.get("category", "")
        customers = CustomerLine.objects.filter(computation=computation)
        if category in CATEGORIES:
            return customers.filter(**{f"{category}_ineligible__gt": 0}).order_by(
                f"-{category}_ineligible", "customer_id"
            )
        if category:
            raise Http404("No such category")
        return customers.order_by("-gross", "customer_id")  # the model's order, as the page

    @extend_schema(
        parameters=[
            COMPUTATION,
            OpenApiParameter("category", OpenApiTypes.STR, enum=list(CATEGORIES)),
        ],
        responses={200: s.CustomerLineSerializer(many=True), **problems(404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InvoicePage(CursorPagination):
    ordering = "seq"
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"


class Invoices(generics.ListAPIView[Invoice]):
    """One customer's invoices (`?customer=`), in its file's order, each with its age and the
    engine's reason."""

    serializer_class = s.InvoiceRowSerializer
    pagination_class = InvoicePage

    def get_queryset(self) -> QuerySet[Invoice]:
        certificate, computation = _shown(self.request, self.kwargs["pk"])
        self.line = CustomerLine.objects.filter(
            computation=computation, customer_id=self.request.GET.get("customer", "")
        ).first()
        receivables = certificate.files.filter(
            kind=CollateralFile.Kind.RECEIVABLES, status=CollateralFile.Status.ACCEPTED
        ).first()
        if self.line is None or receivables is None:
            raise Http404("No such customer in this certificate")
        self.computation, self.as_of = computation, certificate.as_of
        return Invoice.objects.filter(
            file=receivables,
            seq__gte=self.line.first_seq,
            seq__lt=self.line.first_seq + self.line.invoice_count,
        )

    @extend_schema(
        parameters=[COMPUTATION, OpenApiParameter("customer", OpenApiTypes.STR, required=True)],
        responses={200: s.InvoiceRowSerializer(many=True), **problems(404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset) or []
        assert self.line is not None
        rows = invoice_reasons(
            list(page), line=self.line, computation=self.computation, as_of=self.as_of
        )
        return self.get_paginated_response(s.InvoiceRowSerializer(rows, many=True).data)


class InventoryPage(CursorPagination):
    ordering = "row"
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"


class InventoryItems(generics.ListAPIView[InventoryItem]):
    """The inventory file's rows, or those of one category (`?reason=`), each with its
    category and advance rate under the computation's terms (as the page shows them)."""

    serializer_class = s.InventoryRowSerializer
    pagination_class = InventoryPage

    def get_queryset(self) -> QuerySet[InventoryItem]:
        certificate, computation = _shown(self.request, self.kwargs["pk"])
        inventory = certificate.files.filter(
            kind=CollateralFile.Kind.INVENTORY, status=CollateralFile.Status.ACCEPTED
        ).first()
        if inventory is None:
            raise Http404("No inventory file in this certificate")
        self.rules = computation_terms(computation).inventory
        reasons = [*(name for name, _ in category_tests(self.rules)), "eligible"]
        reason = self.request.GET.get("reason", "")
        items = InventoryItem.objects.filter(file=inventory)
        if reason:
            if reason not in reasons:
                raise Http404("No such inventory category")
            items = items.filter(inventory_filter(self.rules, reason))
        return items

    @extend_schema(
        parameters=[COMPUTATION, OpenApiParameter("reason", OpenApiTypes.STR)],
        responses={200: s.InventoryRowSerializer(many=True), **problems(404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        rows = inventory_reasons(list(page), rules=self.rules)
        return self.get_paginated_response(s.InventoryRowSerializer(rows, many=True).data)
