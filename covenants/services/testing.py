"""Testing a statement version's covenants through the engine, and opening breach cases.

A test is stored per statement version and terms version (`CovenantTest`,
unique on the pair): testing again under the same terms returns the stored
test; an amendment (a new terms version) tests again and keeps the old test.
A covenant that fails on actual figures opens a breach case (one per statement
and covenant); a projection that fails is a projected breach, shown, not a case.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from abl import business_date
from abl.audit import record
from abl.calc.terms.covenants import Covenants
from abl.models import Facility, TermsVersion
from abl.services.terms import parsed_version
from abl.webhooks import services as webhooks
from abl.webhooks.calc import events
from covenants.calc.engine import CovenantResult, evaluate
from covenants.calc.report import figure_text, result_from_data, result_to_data
from covenants.models import (
    BreachCase,
    CapexRequest,
    CovenantTest,
    FinancialStatement,
    StatementVersion,
)
from covenants.services.errors import CovenantRefused


def covenants_of(terms_version: TermsVersion | None) -> Covenants:
    if terms_version is None:
        raise CovenantRefused("The facility has no terms loaded, so no covenants to test.")
    covenants = parsed_version(terms_version).covenants
    if covenants is None:
        raise CovenantRefused("The facility's terms set no covenants.")
    return covenants


def approved_capex(*, facility: Facility, year: int) -> Decimal:
    """What the bank approved beyond the year's basket (approved requests, summed)."""
    total = CapexRequest.objects.filter(
        facility=facility, year=year, status=CapexRequest.Status.APPROVED
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def results_of(test: CovenantTest) -> list[CovenantResult]:
    return [result_from_data(data) for data in test.results]


@transaction.atomic
def run_covenant_tests(
    *, version: StatementVersion, terms_version: TermsVersion | None = None
) -> CovenantTest:
    """The version's covenant results under the terms version (the facility's newest by default).

    The caller holds the facility's lock (submitting, amending). Idempotent.
    """
    statement = version.statement
    facility = statement.facility
    terms_version = terms_version or facility.current_terms()
    covenants = covenants_of(terms_version)
    assert terms_version is not None
    existing = CovenantTest.objects.filter(
        statement_version=version, terms_version=terms_version
    ).first()
    if existing is not None:
        return existing
    approved = approved_capex(facility=facility, year=statement.period_end.year)
    at_risk_pct = settings.ABL_COVENANT_AT_RISK_PCT
    results = evaluate(
        covenants,
        statement.period_end,
        version.financials(approved_additional_capex=approved),
        at_risk_pct=at_risk_pct,
    )
    test = CovenantTest.objects.create(
        statement_version=version,
        terms_version=terms_version,
        approved_additional_capex=approved,
        at_risk_pct=at_risk_pct,
        results=[result_to_data(r) for r in results],
        failed=any(r.tested and not r.passed for r in results),
    )
    version.latest_test = test
    version.save(update_fields=["latest_test"])
    failed = [r.covenant for r in results if r.tested and not r.passed]
    record(
        actor=None,
        action="covenants.tested",
        obj=test,
        facility=facility,
        summary=(
            f"Covenants of the {statement.get_kind_display().lower()} statement "
            f"{statement.period_end} (v{version.version}) tested under terms "
            f"v{terms_version.version}: " + (f"failed {', '.join(failed)}" if failed else "all met")
        ),
        changes={"results": test.results},
    )
    if statement.kind == FinancialStatement.Kind.ACTUAL:
        for result in results:
            if result.tested and not result.passed:
                open_breach_case(statement=statement, test=test, result=result)
    return test


def open_breach_case(
    *, statement: FinancialStatement, test: CovenantTest, result: CovenantResult
) -> BreachCase | None:
    """A case for a covenant that failed on actual figures; None when a case covers it already.

    A case open for the covenant of that statement covers it; so does a resolved one, for
    figures no worse than those it was granted on (`CovenantResult.covered_by`): a worse
    restatement opens a new case. The caller holds the facility's lock.
    """
    from covenants.services.notifications import queue_covenant_email

    cases = BreachCase.objects.filter(statement=statement, covenant=result.covenant)
    if cases.filter(status=BreachCase.Status.OPEN).exists():
        return None
    latest = cases.select_related("covered_test", "opened_by_test").first()
    if latest is not None and result.covered_by(_granted_on(latest)):
        return None
    case = BreachCase.objects.create(
        statement=statement,
        covenant=result.covenant,
        facility=statement.facility,
        opened_by_test=test,
        required=figure_text(result, result.required),
        actual=figure_text(result, result.actual),
        opened_on=business_date.today(),
    )
    record(
        actor=None,
        action="covenants.breach_opened",
        obj=case,
        facility=statement.facility,
        summary=(
            f"Breach of {result.title} at {statement.period_end}: required "
            f"{case.required}, actual {case.actual or result.note}"
        ),
        changes={"covenant": result.covenant, "required": case.required, "actual": case.actual},
    )
    queue_covenant_email(subject=case, event="breach_opened")
    webhooks.publish(
        events.BREACH_OPENED,
        facility=statement.facility,
        data={
            "case": case.pk,
            "covenant": result.covenant,
            "period_end": statement.period_end.isoformat(),
            "required": case.required,
            "actual": case.actual,
            "opened_on": case.opened_on.isoformat() if case.opened_on else None,
        },
    )
    return case


def _granted_on(case: BreachCase) -> CovenantResult:
    """The result of the case's covenant its resolution was granted on."""
    test = case.covered_test or case.opened_by_test
    return next(r for r in results_of(test) if r.covenant == case.covenant)
