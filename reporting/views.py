"""The due calendar of a facility, the portfolio dashboard and a facility's charts."""

import datetime as dt
import math
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Window
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from abl import business_date
from abl.access import facilities_for, get_facility_for_user, require_role, signed_in_user
from abl.models import AdvanceRequest, Role, User
from reporting import presenters
from reporting.filters import SORTABLE, PortfolioFilter
from reporting.models import FacilityPosition, FrequencySwitch
from reporting.services import calendar, history
from reporting.services.status import summaries

PAGE_SIZE = 50
EXCEPTIONS_SHOWN = 20
# The totals of the facilities listed, read with the page as window aggregates (OVER ()).
LISTED_TOTALS = {
    "facilities": Window(Count("pk")),
    "measured": Window(Count("position")),
    "commitment": Window(Sum("position__commitment")),
    "outstanding": Window(Sum("position__outstanding")),
    "excess": Window(Sum("position__excess_availability")),
    "fees": Window(Sum("position__fees_this_month")),
    # §7's requests in flight: the advance requests awaiting a decision, over every line.
    "requests_pending": Window(
        Sum(
            Subquery(
                AdvanceRequest.objects.in_flight()
                .filter(facility=OuterRef("pk"))
                .values("facility")
                .annotate(total=Sum("amount"))
                .values("total")
            )
        )
    ),
}


@login_required
def due_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_facility_for_user(signed_in_user(request), pk)
    on = business_date.today()
    (summary,) = summaries([facility], on=on)
    context = {
        "facility": facility,
        "on": on,
        "summary": summary,
        "items": calendar.calendar_for(facility),
        "switches": FrequencySwitch.objects.filter(facility=facility)[:50],
    }
    return render(request, "reporting/due_calendar.html", context)


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """Every facility the user covers: exceptions first, then the filtered, sorted page."""
    user = signed_in_user(request)
    require_role(user, Role.RELATIONSHIP_MANAGER, Role.ANALYST)
    context = _portfolio_context(user, request.GET, on=business_date.today())
    return render(request, "reporting/portfolio.html", context)


def _portfolio_context(user: User, params: QueryDict, *, on: dt.date) -> dict[str, Any]:
    facilities = facilities_for(user).select_related(None)
    shown = PortfolioFilter(params or None, queryset=facilities.order_by("name", "pk"))
    lines = shown.qs.values("pk", "name", *(f"position__{c}" for c in presenters.COLUMNS))
    page, totals = _page_with_totals(lines.annotate(**LISTED_TOTALS), params.get("page"))
    exceptions = list(
        FacilityPosition.objects.filter(facility__in=facilities.values("pk"), exception_count__gt=0)
        .order_by("-exception_count", "name")
        .values(
            "facility_id",
            "name",
            "exceptions",
            "excess_availability",
            "overdue_since",
            "covenant_status",
        )
        .annotate(with_exceptions=Window(Count("pk")))[:EXCEPTIONS_SHOWN]
    )
    totals["with_exceptions"] = exceptions[0]["with_exceptions"] if exceptions else 0
    _add_excess_after_pending(totals)
    query = urlencode([(k, v) for k, v in params.items() if k not in {"page", "sort"} and v])
    return {
        "on": on,
        "totals": totals,
        "filter": shown,
        "page": page,
        "rows": presenters.portfolio_rows(page, on=on),
        "exceptions": presenters.exception_rows(exceptions),
        "exceptions_shown": EXCEPTIONS_SHOWN,
        "query": f"{query}&" if query else "",
        "sort": params.get("sort", ""),
        "headers": _headers(params.get("sort", "")),
    }


def _add_excess_after_pending(totals: dict[str, Any]) -> None:
    """§7's requests in flight: the listed excess availability after all of them."""
    excess, pending = totals["excess"], totals["requests_pending"] or Decimal("0.00")
    totals["requests_pending"] = pending
    totals["excess_after_pending"] = excess - pending if excess is not None else None


def _page_with_totals(
    lines: QuerySet[Any], number_text: str | None
) -> tuple[Page[Any], dict[str, Any]]:
    """The page of `lines` asked for (the last one when past the end) and the totals of every
    line listed, read with it (LISTED_TOTALS, window aggregates over the whole list)."""
    try:
        number = max(1, int(number_text or 1))
    except ValueError:
        number = 1
    rows = list(lines[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    if not rows and number > 1:  # past the end: the last page
        number = max(1, math.ceil(lines.count() / PAGE_SIZE))
        rows = list(lines[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    totals = {name: rows[0][name] if rows else None for name in LISTED_TOTALS}
    paginator = Paginator(lines, PAGE_SIZE)
    paginator.count = totals["facilities"] or 0
    return Page(rows, number, paginator), totals


def _headers(current: str) -> list[tuple[str, str, str, str]]:
    """Each sortable column: its name, label, the sort its link asks for, the arrow it shows."""
    return [
        (
            name,
            label,
            f"-{name}" if current == name else name,
            "▲" if current == name else "▼" if current == f"-{name}" else "",
        )
        for name, label in SORTABLE.items()
    ]


@login_required
def facility_charts(request: HttpRequest, pk: int) -> HttpResponse:
    """A facility over time: availability and outstanding, ineligibles, covenant headroom."""
    user = signed_in_user(request)
    require_role(user, Role.RELATIONSHIP_MANAGER, Role.ANALYST)
    facility = get_facility_for_user(user, pk)
    past = history.facility_history(facility)
    on = business_date.today()
    context = {
        "facility": facility,
        "on": on,
        "reporting": summaries([facility], on=on),
        "position": FacilityPosition.objects.filter(facility=facility).first(),
        "history": past,
        "charts": [
            ("availability", past.availability),
            ("ineligibles", past.ineligibles),
            ("headroom", past.headroom),
        ],
    }
    return render(request, "reporting/facility_charts.html", context)
