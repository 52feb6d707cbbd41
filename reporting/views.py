"""The due calendar of a facility, the portfolio dashboard and a facility's charts."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abl import business_date
from abl.access import facilities_for, get_facility_for_user, require_role
from abl.models import Role, User
from reporting import presenters
from reporting.filters import SORTABLE, PortfolioFilter
from reporting.models import FacilityPosition, FrequencySwitch
from reporting.services import calendar, history
from reporting.services.status import summaries

PAGE_SIZE = 50
EXCEPTIONS_SHOWN = 20


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def due_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_facility_for_user(_user(request), pk)
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
    user = _user(request)
    require_role(user, Role.RELATIONSHIP_MANAGER, Role.ANALYST)
    on = business_date.today()
    facilities = facilities_for(user).select_related(None)
    totals = facilities.order_by().aggregate(
        facilities=Count("pk"),
        measured=Count("position"),
        with_exceptions=Count("pk", filter=Q(position__exception_count__gt=0)),
        commitment=Sum("position__commitment"),
        outstanding=Sum("position__outstanding"),
        excess=Sum("position__excess_availability"),
        fees=Sum("position__fees_this_month"),
    )
    shown = PortfolioFilter(request.GET or None, queryset=facilities.order_by("name", "pk"))
    lines = shown.qs.values("pk", "name", *(f"position__{c}" for c in presenters.COLUMNS))
    paginator = Paginator(lines, PAGE_SIZE)
    if not _narrowed(shown):  # every facility is listed: its count is the totals' (no query)
        paginator.count = totals["facilities"]
    page = paginator.get_page(request.GET.get("page"))
    exceptions = (
        FacilityPosition.objects.filter(facility__in=facilities.values("pk"), exception_count__gt=0)
        .order_by("-exception_count", "name")
        .values(
            "facility_id",
            "name",
            "exceptions",
            "excess_availability",
            "overdue_since",
            "covenant_status",
        )[:EXCEPTIONS_SHOWN]
    )
    query = urlencode([(k, v) for k, v in request.GET.items() if k not in {"page", "sort"} and v])
    context = {
        "on": on,
        "totals": totals,
        "filter": shown,
        "page": page,
        "rows": presenters.portfolio_rows(page, on=on),
        "exceptions": presenters.exception_rows(exceptions),
        "exceptions_shown": EXCEPTIONS_SHOWN,
        "query": f"{query}&" if query else "",
        "sort": request.GET.get("sort", ""),
        "headers": _headers(request.GET.get("sort", "")),
    }
    return render(request, "reporting/portfolio.html", context)


def _narrowed(shown: PortfolioFilter) -> bool:
    """Whether a filter leaves some facilities out (sorting alone does not)."""
    shown.is_valid()
    data = getattr(shown.form, "cleaned_data", {})
    return any(data.get(name) for name in shown.filters if name != "sort")


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
    user = _user(request)
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
