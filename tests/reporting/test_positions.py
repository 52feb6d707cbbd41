"""The dashboard's line per facility (reporting/services/positions.py): measured by the rules
that own each figure, refreshed after every audited action and by the nightly close."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abl.services import loans
from reporting.calc.position import covenant_standing, exceptions_of
from reporting.models import FacilityPosition
from reporting.services.positions import positions_of, refresh_positions
from reporting.services.status import facility_status
from reporting.tasks import close_business_day_task
from tests.factories import FacilityFactory
from tests.reporting.conftest import TODAY, approve_certificate

pytestmark = pytest.mark.django_db


def _advance(facility, cfo, analyst, amount: str, key: str):
    request = loans.request_advance(facility=facility, actor=cfo, amount=Decimal(amount), key=key)
    return loans.approve_advance(advance=request, actor=analyst)


def test_a_position_agrees_with_the_facility_status_after_an_advance(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        _advance(innotrac, cfo, abl_analyst, "464260.87", "k")

    position = FacilityPosition.objects.get(facility=innotrac)
    status = facility_status(innotrac).as_json()
    assert position.as_of == TODAY
    assert str(position.borrowing_base) == status["borrowing_base"] == "546125.00"
    assert str(position.outstanding) == status["outstanding"] == "464260.87"
    assert str(position.excess_availability) == status["excess_availability"] == "81864.13"
    assert position.frequency == status["reporting_frequency"] == "weekly"
    assert position.next_certificate_due.isoformat() == status["next_certificate_due"]
    assert position.next_financials_due.isoformat() == status["next_financials_due"]
    assert position.commitment == Decimal("40000000.00")
    assert position.utilisation.quantize(Decimal("0.0001")) == Decimal("0.8501")
    assert position.exceptions == []


def test_every_audited_action_on_a_facility_refreshes_its_line(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)
    assert FacilityPosition.objects.get(facility=innotrac).outstanding == 0
    with django_capture_on_commit_callbacks(execute=True):
        _advance(innotrac, cfo, abl_analyst, "1000.00", "small")
    assert FacilityPosition.objects.get(facility=innotrac).outstanding == Decimal("1000.00")

    with django_capture_on_commit_callbacks(execute=True):
        loans.record_repayment(
            facility=innotrac, actor=abl_analyst, amount=Decimal("400.00"), value_date=TODAY
        )

    assert FacilityPosition.objects.get(facility=innotrac).outstanding == Decimal("600.00")


def test_days_later_the_certificate_is_stale_and_the_report_late(
    innotrac, cfo, abl_analyst, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the calendar starts monthly
        approve_certificate(innotrac, cfo, abl_analyst)  # as of 2003-03-31: current to 2003-05-15
    later = dt.date(2003, 5, 16)
    settings.ABL_BUSINESS_DATE = later.isoformat()

    close_business_day_task()  # the close, then every facility's line

    position = FacilityPosition.objects.get(facility=innotrac)
    assert position.as_of == later
    assert position.certificate_stale is True
    assert position.overdue_items == 2  # April's certificate (2003-05-15), March's financials
    assert position.overdue_since == dt.date(2003, 4, 30)
    assert position.exceptions == ["late_report", "stale_certificate"]
    assert position.exception_count == 2


def test_a_facility_without_terms_or_certificate_has_a_line_without_figures(db):
    bare = FacilityFactory()

    (position,) = positions_of([bare.pk], on=TODAY)

    assert position.commitment is None
    assert position.borrowing_base is None
    assert position.excess_availability is None
    assert position.outstanding == 0
    assert position.covenant_status == "not_tested"
    assert position.exceptions == []


def test_the_queries_do_not_grow_with_facilities_or_history(innotrac, cfo, abl_analyst):
    approve_certificate(innotrac, cfo, abl_analyst)
    positions_of([innotrac.pk], on=TODAY)  # terms versions are parsed once per process
    with CaptureQueriesContext(connection) as one:
        positions_of([innotrac.pk], on=TODAY)
    others = [FacilityFactory() for _ in range(4)]
    approve_certificate(innotrac, cfo, abl_analyst, as_of=dt.date(2003, 4, 4))
    _advance(innotrac, cfo, abl_analyst, "1000.00", "a")
    _advance(innotrac, cfo, abl_analyst, "2000.00", "b")
    positions_of([innotrac.pk, *(f.pk for f in others)], on=TODAY)

    with CaptureQueriesContext(connection) as many:
        positions = positions_of([innotrac.pk, *(f.pk for f in others)], on=TODAY)

    assert len(positions) == 5
    assert len(many) == len(one)


def test_refreshing_twice_keeps_one_line_per_facility(innotrac, cfo, abl_analyst):
    approve_certificate(innotrac, cfo, abl_analyst)

    assert refresh_positions(facility_ids=[innotrac.pk]) == 1
    assert refresh_positions(facility_ids=[innotrac.pk, innotrac.pk]) == 1

    assert FacilityPosition.objects.filter(facility=innotrac).count() == 1


def test_the_nightly_close_refreshes_every_facility_on_the_new_date(
    innotrac, cfo, abl_analyst, settings
):
    approve_certificate(innotrac, cfo, abl_analyst)
    bare = FacilityFactory()
    settings.ABL_BUSINESS_DATE = "2003-04-08"

    close_business_day_task()

    assert set(FacilityPosition.objects.values_list("facility_id", "as_of")) == {
        (innotrac.pk, dt.date(2003, 4, 8)),
        (bare.pk, dt.date(2003, 4, 8)),
    }


# --- The pure rules ----------------------------------------------------------------------


def test_exceptions_come_worst_first():
    assert exceptions_of(
        over_advanced=True,
        in_default=True,
        open_breaches=1,
        overdue_items=1,
        certificate_stale=True,
    ) == ["in_default", "over_advanced", "breach", "late_report", "stale_certificate"]
    assert (
        exceptions_of(
            over_advanced=False,
            in_default=False,
            open_breaches=0,
            overdue_items=0,
            certificate_stale=False,
        )
        == []
    )


def _result(covenant: str, required: str, actual: str, at_risk_pct: str = "0.10"):
    from covenants.calc.engine import measured

    return measured(covenant, Decimal(required), Decimal(actual), Decimal(at_risk_pct))


def test_the_tightest_covenant_is_the_least_headroom_as_a_share_of_its_requirement():
    results = [
        _result("tangible_net_worth", "32500000.00", "37500000.00"),  # 15.4% above
        _result("fixed_charge_coverage", "1.50", "1.60"),  # 6.7% above: at risk
    ]

    standing = covenant_standing(results, open_breaches=0)

    assert standing.tightest == "fixed_charge_coverage"
    assert standing.tightest_headroom_pct.quantize(Decimal("0.0001")) == Decimal("0.0667")
    assert standing.status == "at_risk"


def test_an_open_breach_case_makes_the_standing_breached_even_when_the_newest_passes():
    results = [_result("tangible_net_worth", "32500000.00", "37500000.00")]

    assert covenant_standing(results, open_breaches=0).status == "met"
    assert covenant_standing(results, open_breaches=1).status == "breached"
    assert covenant_standing([], open_breaches=0).status == "not_tested"


def test_a_failed_covenant_and_a_failing_projection_show_on_the_line(innotrac, cfo):
    from covenants.services import statements
    from tests.covenants.conftest import figures

    def submit(kind: str, period_end: dt.date) -> None:
        statements.submit_statement(
            facility=innotrac,
            kind=kind,
            period_end=period_end,
            financials=figures(total_equity="30000000.00"),  # tangible net worth 26M < 32.5M
            user=cfo,
            officer_title="Chief Financial Officer",
            reason="",
        )

    submit("actual", dt.date(2003, 3, 31))
    submit("projection", dt.date(2003, 6, 30))

    refresh_positions(facility_ids=[innotrac.pk])

    position = FacilityPosition.objects.get(facility=innotrac)
    assert position.covenant_status == "breached"
    assert position.covenants_period_end == dt.date(2003, 3, 31)
    assert position.open_breaches == 1
    assert position.projected_breaches == 1
    assert position.tightest_covenant == "tangible_net_worth"
    assert position.tightest_headroom_pct < 0
    assert "breach" in position.exceptions


def test_fees_this_month_are_the_charges_posted_in_it_for_the_month_before(innotrac, abl_analyst):
    from abl.calc.fees import Month
    from abl.services import fees

    fees.set_base_rate(
        actor=abl_analyst, effective_date=dt.date(2003, 1, 1), rate=Decimal("0.0425")
    )
    charges = fees.post_fees(month=Month(2003, 3))  # posted in April, the business date's month

    refresh_positions(facility_ids=[innotrac.pk])

    position = FacilityPosition.objects.get(facility=innotrac)
    assert position.fees_month == dt.date(2003, 3, 1)
    assert position.fees_this_month == sum(
        c.amount for c in charges if c.facility_id == innotrac.pk
    )
    assert (
        position.fees_this_month
        == fees.fee_statement(facility=innotrac, month=Month(2003, 3)).total
    )
    assert position.fees_this_month > 0
