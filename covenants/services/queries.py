"""What the covenant pages read: history, projected breaches, queues. Read-only, few queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from abl import business_date
from abl.access import facilities_for
from abl.models import Facility, TermsVersion, User
from covenants.calc.engine import CovenantResult
from covenants.models import BreachCase, CapexRequest, FinancialStatement, StatementVersion
from covenants.services.testing import results_of


@dataclass(frozen=True)
class Tested:
    """A statement with its newest version and that version's newest covenant results."""

    statement: FinancialStatement
    version: StatementVersion
    results: list[CovenantResult]

    @property
    def failed(self) -> list[CovenantResult]:
        return [r for r in self.results if r.tested and not r.passed]


def facility_for_covenant_page(user: User, pk: int) -> Facility:
    """The facility (404 unless the user may see it) with its newest terms version's key
    (`newest_terms_pk`, `newest_terms_created_at`) and open cases, one query."""
    from django.http import Http404

    newest = TermsVersion.objects.filter(facility=OuterRef("pk")).order_by("-version")
    facility = (
        facilities_for(user)
        .annotate(
            newest_terms_pk=Subquery(newest.values("pk")[:1]),
            newest_terms_created_at=Subquery(newest.values("created_at")[:1]),
            open_cases=Count("breach_cases", filter=Q(breach_cases__status=BreachCase.Status.OPEN)),
        )
        .filter(pk=pk)
        .first()
    )
    if facility is None:
        raise Http404("No such facility")
    return facility


def tested_statements(facility: Facility) -> list[Tested]:
    """Every statement of the facility (actuals and projections), oldest first: one query."""
    statements = (
        FinancialStatement.objects.filter(facility=facility, current__isnull=False)
        .select_related("current__latest_test", "current__certified_by")
        .order_by("period_end", "kind")
    )
    return [
        Tested(s, s.current, results_of(s.current.latest_test))
        for s in statements
        if s.current is not None and s.current.latest_test is not None
    ]


def projected_breaches(
    facilities: QuerySet[Facility], *, after: dt.date | None = None
) -> list[Tested]:
    """Projections after today whose newest version fails a covenant, by date."""
    after = after or business_date.today()
    statements = (
        FinancialStatement.objects.filter(
            facility__in=facilities,
            kind=FinancialStatement.Kind.PROJECTION,
            period_end__gt=after,
            current__latest_test__failed=True,
        )
        .select_related("facility", "current__latest_test")
        .order_by("period_end", "facility__name")
    )
    return [
        Tested(s, s.current, results_of(s.current.latest_test))
        for s in statements
        if s.current is not None and s.current.latest_test is not None
    ]


def open_cases(user: User) -> QuerySet[BreachCase]:
    return (
        BreachCase.objects.filter(facility__in=facilities_for(user), status=BreachCase.Status.OPEN)
        .select_related("facility", "statement")
        .order_by("opened_at")
    )


def pending_capex_requests(user: User) -> QuerySet[CapexRequest]:
    return (
        CapexRequest.objects.filter(
            facility__in=facilities_for(user), status=CapexRequest.Status.PENDING
        )
        .select_related("facility", "requested_by")
        .order_by("requested_at")
    )


def statements_to_accept(user: User) -> QuerySet[StatementVersion]:
    """Statements (actuals and projections) whose newest version no analyst has accepted yet,
    oldest submission first: what `covenants.access.acceptance_refusal` lets an analyst accept."""
    return (
        StatementVersion.objects.filter(
            statement__facility__in=facilities_for(user),
            statement__current=F("pk"),
            accepted_at__isnull=True,
        )
        .select_related("statement__facility", "certified_by", "latest_test")
        .order_by("submitted_at", "pk")
    )


def analyst_home(user: User) -> dict[str, object]:
    """What the analyst's home shows of the covenants: projected breaches and the two queues."""
    return {
        "projected_breaches": projected_breaches(facilities_for(user)),
        "open_breach_cases": open_cases(user).count(),
        "pending_capex_requests": pending_capex_requests(user).count(),
    }
