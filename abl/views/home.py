"""Home pages and facilities."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abl import business_date
from abl.access import (
    facilities_for,
    get_facility_for_user,
    may_report,
    signed_in_user,
)
from abl.loan_forms import DefaultEndForm
from abl.models import Facility, Role, TermsVersion, User
from abl.services.certificates import latest_approved
from abl.services.loan_documents import awaiting_acknowledgement, terms_hash
from abl.services.loans import live_availability
from abl.services.queues import waiting_for
from abl.views.terms_page import terms_sections

FACILITIES_PAGE = 50
HOME_TEMPLATES = {
    Role.BORROWER: "abl/home_borrower.html",
    Role.ANALYST: "abl/home_analyst.html",
    Role.ADMIN: "abl/home_admin.html",
}


def _listed(facilities: QuerySet[Facility]) -> QuerySet[Facility]:
    """Facilities for a table: each with its newest terms version's number and date, in the
    same query (`templates/abl/_facility_table.html`), not one query a row."""
    newest = TermsVersion.objects.filter(facility=OuterRef("pk")).order_by("-version")
    return facilities.annotate(
        terms_version=Subquery(newest.values("version")[:1]),
        terms_effective=Subquery(newest.values("effective_date")[:1]),
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.role == Role.RELATIONSHIP_MANAGER:  # their home is the portfolio dashboard
        from reporting.views import portfolio

        return portfolio(request)
    everything = _listed(facilities_for(user))
    # The first FACILITIES_PAGE facilities; the rest are on the facility list (and, for the
    # bank, the portfolio dashboard), so a home page does not grow with the book.
    facilities = list(everything[: FACILITIES_PAGE + 1])
    context: dict[str, object] = {
        "facilities": facilities[:FACILITIES_PAGE],
        "more_facilities": len(facilities) > FACILITIES_PAGE,
    }
    if user.role == Role.BORROWER:
        context["to_acknowledge"] = awaiting_acknowledgement(everything)
    if user.role == Role.ANALYST:
        from covenants.services.queries import analyst_home

        context |= analyst_home(user)
        context["waiting"] = waiting_for(user)
    if user.role in {Role.BORROWER, Role.ANALYST}:
        from reporting.services.status import summaries

        shown = facilities[:FACILITIES_PAGE]
        context["reporting"] = summaries(shown, on=business_date.today())
    return render(request, HOME_TEMPLATES[Role(user.role)], context)


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    facilities = _listed(facilities_for(signed_in_user(request)))
    page = Paginator(facilities, FACILITIES_PAGE).get_page(request.GET.get("page"))
    return render(request, "abl/facility_list.html", {"facilities": page, "page": page})


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    return facility_page(request, get_facility_for_user(user, pk), user)


def facility_page(
    request: HttpRequest,
    facility: Facility,
    user: User,
    *,
    default_form: DefaultEndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The facility's page; `default_form` the proposal to end its default, as posted."""
    versions = list(
        facility.terms_versions.select_related("created_by", "acknowledgement__acknowledged_by")
    )
    shown = next((v for v in versions if str(v.version) == request.GET.get("version")), None)
    shown = shown or (versions[0] if versions else None)
    sections = terms_sections(shown) if shown is not None else []
    context = {
        "facility": facility,
        "versions": versions,
        "shown": shown,
        "sections": sections,
        "may_acknowledge": shown is not None and may_report(user, facility),
        "shown_hash": terms_hash(shown) if shown is not None else "",
        "current_base": latest_approved(facility),
        "live": live_availability(facility),
        "certificates": facility.certificates.select_related("current", "approved")[:10],
        "default_events": facility.default_events.select_related(
            "declared_by", "proposed_by", "confirmed_by"
        ),
        "default_form": default_form or DefaultEndForm(),
        "may_end_default": user.role == Role.ANALYST,
    }
    return render(request, "abl/facility_detail.html", context, status=status)
