"""From a category to its customers, from a customer to its invoices; inventory rows.

Every page is paginated and served in a bounded number of queries, whatever the
number of invoices (tests/abl/test_drilldown.py). Each list ends with its total,
beside the certificate line it ties to.
"""

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from abl.access import get_certificate_for_user, signed_in_user
from abl.calc.inventory import category_tests
from abl.calc.receivables import CATEGORIES
from abl.calc.report import label
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

PAGE_SIZE = 50


class KnownCountPaginator(Paginator):
    """Pages of a list whose length is already known (a customer's invoice count is on its
    CustomerLine; a list of customers is counted with its totals), so no page counts again."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known = count

    @property
    def count(self) -> int:
        return self._known


def shown_computation(request: HttpRequest, certificate: Certificate) -> Computation:
    """The computation a drill-down shows: `?computation=` one of this certificate's, else current.

    A computation that is not this certificate's answers 404, as any other id would.
    """
    wanted = request.GET.get("computation")
    if wanted:
        computation = None
        if wanted.isdigit() and int(wanted) < 2**63:
            computation = certificate.computations.filter(pk=int(wanted)).first()
        if computation is None:
            raise Http404("No such computation of this certificate")
        return computation
    if certificate.current is None:
        raise Http404("Nothing computed yet")
    return certificate.current


def _query(computation: Computation, **extra: str) -> str:
    """The query string a pager keeps, ending in '&' so `page=` can follow."""
    params = {"computation": str(computation.pk), **{k: v for k, v in extra.items() if v}}
    return urlencode(params) + "&"


def _accepted(certificate: Certificate, kind: str) -> CollateralFile | None:
    return certificate.files.filter(kind=kind, status=CollateralFile.Status.ACCEPTED).first()


@login_required
def receivables_customers(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    computation = shown_computation(request, certificate)
    category = request.GET.get("category", "")
    customers = CustomerLine.objects.filter(computation=computation)
    if category in CATEGORIES:
        customers = customers.filter(**{f"{category}_ineligible__gt": 0}).order_by(
            f"-{category}_ineligible", "customer_id"
        )
    elif category:
        raise Http404("No such category")
    # The list's length and its totals in one pass over the computation's lines.
    sums = {"gross": Sum("gross"), "eligible": Sum("eligible")}
    if category:
        sums["category"] = Sum(f"{category}_ineligible")
    found = customers.aggregate(count=Count("pk"), **sums)
    count = found.pop("count")
    totals = {k: v or Decimal("0.00") for k, v in found.items()}
    page = KnownCountPaginator(customers, PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    figures = computation.figures
    return render(
        request,
        "abl/drill_customers.html",
        {
            "totals": totals,
            "certificate_line": Decimal(figures["ineligible_receivables"][category])
            if category
            else Decimal(figures["gross_receivables"]),
            "certificate": certificate,
            "computation": computation,
            "page": page,
            "category": category,
            "category_label": label(category) if category else "All customers",
            "categories": [(c, label(c)) for c in CATEGORIES],
            "query": _query(computation, category=category),
        },
    )


@login_required
def customer_invoices(request: HttpRequest, pk: int, customer_id: str) -> HttpResponse:
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    computation = shown_computation(request, certificate)
    line = CustomerLine.objects.filter(computation=computation, customer_id=customer_id).first()
    receivables = _accepted(certificate, CollateralFile.Kind.RECEIVABLES)
    if line is None or receivables is None:
        raise Http404("No such customer in this certificate")
    # The customer's rows are a range of its file's positions: a page is a slice of the key.
    page = KnownCountPaginator([], PAGE_SIZE, count=line.invoice_count).get_page(
        request.GET.get("page")
    )
    page.object_list = Invoice.objects.filter(
        file=receivables,
        seq__gte=line.first_seq + page.start_index() - 1,
        seq__lt=line.first_seq + page.end_index(),
    ).order_by("seq")
    rows = invoice_reasons(
        list(page.object_list), line=line, computation=computation, as_of=certificate.as_of
    )
    categories = [(label(c), getattr(line, f"{c}_ineligible")) for c in CATEGORIES]
    return render(
        request,
        "abl/drill_invoices.html",
        {
            "certificate": certificate,
            "computation": computation,
            "line": line,
            "page": page,
            "rows": rows,
            "categories": categories,
            "query": _query(computation),
        },
    )


@login_required
def inventory_items(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    computation = shown_computation(request, certificate)
    inventory = _accepted(certificate, CollateralFile.Kind.INVENTORY)
    if inventory is None:
        raise Http404("No inventory file in this certificate")
    rules = computation_terms(computation).inventory
    reasons = [*(name for name, _ in category_tests(rules)), "eligible"]
    reason = request.GET.get("reason", "")
    items = InventoryItem.objects.filter(file=inventory).order_by("row")
    if reason:
        if reason not in reasons:
            raise Http404("No such inventory category")
        items = items.filter(inventory_filter(rules, reason))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = inventory_reasons(list(page.object_list), rules=rules)
    total = items.aggregate(value=Sum("value"))["value"] or Decimal("0.00")
    return render(
        request,
        "abl/drill_inventory.html",
        {
            "certificate": certificate,
            "computation": computation,
            "page": page,
            "rows": rows,
            "reason": reason,
            "reason_label": label(reason) if reason else "Every row",
            "total": total,
            "certificate_line": _inventory_line(computation.figures, reason),
            "reasons": [(r, label(r)) for r in reasons],
            "query": _query(computation, reason=reason),
        },
    )


def _inventory_line(figures: dict[str, Any], reason: str) -> Decimal:
    """The certificate's line a list of inventory rows adds up to."""
    if not reason:
        return Decimal(figures["gross_inventory"])
    if reason == "eligible":
        return Decimal(figures["eligible_inventory"])
    return Decimal(figures["ineligible_inventory"].get(reason, "0"))
