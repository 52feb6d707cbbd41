"""§6 through the services: the Innotrac scenario, switches recorded and emailed once, the cure period.

Line cap 546,125.00 (the small aging approved as of 2003-03-31), business date
Monday 2003-04-07. Excess availability: 20% = 109,225.00; 14.99% = 81,864.13
(81,864.13 / 546,125.00 = 0.14989...); exactly 15.00% = 81,918.75; 15.01% = 81,973.37.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from abl.services import loans
from abl.services.terms import load_facility_terms
from reporting.models import Cadence, DueItem, FrequencySwitch
from reporting.services import cadence, close
from reporting.services.status import summaries
from reporting.tasks import notify_frequency_switch_task, reevaluate_frequency_task
from tests.abl.conftest import TERMS
from tests.factories import UserFactory
from tests.reporting.conftest import LINE_CAP, TODAY, approve_certificate, outstanding_for

pytestmark = pytest.mark.django_db

OPENING = Decimal("436900.00")  # 20% excess availability


@pytest.fixture
def people(innotrac, cfo, abl_analyst):
    controller = UserFactory(role="borrower", organisation=innotrac.borrower)
    return {"cfo": cfo, "controller": controller, "analyst": abl_analyst}


def _monthly_at_twenty_percent(innotrac, people, run):
    with run(execute=True):
        loans.record_opening_balance(
            facility=innotrac,
            actor=people["analyst"],
            amount=OPENING,
            value_date=dt.date(2003, 3, 31),
        )
        approve_certificate(innotrac, people["cfo"], people["analyst"])


def _advance(innotrac, people, amount: str, run):
    request = loans.request_advance(
        facility=innotrac, actor=people["cfo"], amount=Decimal(amount), key=f"adv-{amount}"
    )
    with run(execute=True):
        loans.approve_advance(advance=request, actor=people["analyst"])
    # The cadence's emails are what these tests read: the advance's own notices (§7, to the
    # analysts on the request, the borrower on the approval) are tested in tests/abl/loans.
    mail.outbox[:] = [m for m in mail.outbox if "advance of" not in m.subject]


def _repay(innotrac, people, amount: str, run, on=TODAY):
    with run(execute=True):
        loans.record_repayment(
            facility=innotrac, actor=people["analyst"], amount=Decimal(amount), value_date=on
        )


def test_innotrac_scenario_twenty_percent_monthly_then_weekly_then_monthly(
    innotrac, people, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    _monthly_at_twenty_percent(innotrac, people, run)
    state = Cadence.objects.get(facility=innotrac)
    assert (state.frequency, state.excess_availability) == ("monthly", Decimal("109225.00"))
    start = FrequencySwitch.objects.get(facility=innotrac)
    assert (start.from_frequency, start.to_frequency, start.notified_at) == ("", "monthly", None)
    mail.outbox.clear()  # the certificate's own emails

    _advance(innotrac, people, "27360.87", run)  # excess 81,864.13: 14.99%

    weekly = FrequencySwitch.objects.filter(facility=innotrac).first()
    assert (weekly.from_frequency, weekly.to_frequency) == ("monthly", "weekly")
    assert weekly.excess_availability == Decimal("81864.13")
    assert weekly.outstanding == OPENING + Decimal("27360.87")
    assert weekly.line_cap == LINE_CAP
    assert weekly.next_due == dt.date(2003, 4, 9)  # Wednesday, for the week ending Friday 4 April
    assert sorted(tuple(m.to) for m in mail.outbox) == [
        (people["analyst"].email,),
        tuple(sorted([people["cfo"].email, people["controller"].email])),
    ]
    assert all("now weekly" in m.subject for m in mail.outbox)
    assert "14.99% is not above 15.00%" in mail.outbox[0].body
    assert "2003-04-09" in mail.outbox[0].body
    mail.outbox.clear()

    _repay(innotrac, people, "54.62", run)  # excess 81,918.75: exactly 15.00%
    assert Cadence.objects.get(facility=innotrac).frequency == "weekly"
    assert FrequencySwitch.objects.filter(facility=innotrac).count() == 2
    assert mail.outbox == []

    _repay(innotrac, people, "54.62", run)  # excess 81,973.37: 15.01%
    back = FrequencySwitch.objects.filter(facility=innotrac).first()
    assert (back.from_frequency, back.to_frequency, back.on) == ("weekly", "monthly", TODAY)
    # March's certificate (due 15 April) was received: the next is April's, due 15 May.
    assert back.next_due == dt.date(2003, 5, 15)
    assert len(mail.outbox) == 2


def test_with_cure_days_thirty_weekly_until_the_thirtieth_day(
    innotrac, people, settings, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    load_facility_terms(
        text=TERMS.read_text().replace("cure_days: 0", "cure_days: 30"), actor=None, reason="cure"
    )
    _monthly_at_twenty_percent(innotrac, people, run)
    _advance(innotrac, people, "27360.87", run)
    _repay(innotrac, people, "109.24", run)  # 15.01% on 2003-04-07

    state = Cadence.objects.get(facility=innotrac)
    assert (state.frequency, state.above_since) == ("weekly", TODAY)
    (line,) = summaries([innotrac], on=TODAY)
    assert line.why == (
        "Excess availability 15.01% is above 15.00% (figures of 2003-04-07); "
        "above since 2003-04-07: monthly from 2003-05-07 if it stays above."
    )
    for day, frequency in [(dt.date(2003, 5, 6), "weekly"), (dt.date(2003, 5, 7), "monthly")]:
        settings.ABL_BUSINESS_DATE = day.isoformat()
        with run(execute=True):
            close.close_business_day()
        assert Cadence.objects.get(facility=innotrac).frequency == frequency, day
    last = FrequencySwitch.objects.filter(facility=innotrac).first()
    assert (last.to_frequency, last.on, last.cure_days) == ("monthly", dt.date(2003, 5, 7), 30)
    assert last.why == "excess availability 15.01% is above 15.00% for 30 days"


def test_the_task_run_twice_switches_and_emails_once(
    innotrac, people, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    _monthly_at_twenty_percent(innotrac, people, run)
    request = loans.request_advance(
        facility=innotrac, actor=people["cfo"], amount=Decimal("27360.87"), key="once"
    )
    loans.approve_advance(advance=request, actor=people["analyst"])  # its task not run yet
    mail.outbox.clear()

    with run(execute=True):
        first = reevaluate_frequency_task(innotrac.pk, "test")
    with run(execute=True):
        second = reevaluate_frequency_task(innotrac.pk, "test")
    again = notify_frequency_switch_task(first)

    assert first is not None
    assert second is None
    assert again is False
    assert FrequencySwitch.objects.filter(facility=innotrac, to_frequency="weekly").count() == 1
    assert len(mail.outbox) == 2


def test_no_approved_certificate_nothing_to_evaluate(innotrac):
    assert cadence.reevaluate_facility(facility_id=innotrac.pk) is None
    assert not Cadence.objects.filter(facility=innotrac).exists()


def test_nightly_measure_agrees_with_live_availability(
    innotrac, people, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    _monthly_at_twenty_percent(innotrac, people, run)
    _advance(innotrac, people, "1000.00", run)
    _repay(innotrac, people, "250.00", run, on=dt.date(2003, 4, 1))

    (nightly,) = cadence.measure_all(on=TODAY)
    single = cadence.measure_facility(innotrac, on=TODAY)

    assert nightly == single
    assert nightly.figures.outstanding == OPENING + Decimal("750.00")


def test_nightly_close_twice_changes_nothing_the_second_time(
    innotrac, people, settings, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    _monthly_at_twenty_percent(innotrac, people, run)
    request = loans.request_advance(
        facility=innotrac, actor=people["cfo"], amount=Decimal("27360.87"), key="night"
    )
    loans.approve_advance(advance=request, actor=people["analyst"])  # no task: the close finds it
    mail.outbox.clear()

    with run(execute=True):
        first = close.close_business_day()
    items = list(DueItem.objects.filter(facility=innotrac).values_list("pk", "status"))
    with run(execute=True):
        second = close.close_business_day()

    assert len(first.switches) == 1
    assert second.switches == []
    assert second.reminders == []
    assert list(DueItem.objects.filter(facility=innotrac).values_list("pk", "status")) == items
    subjects = sorted(m.subject for m in mail.outbox)
    name = innotrac.name
    assert subjects == [
        f"{name}: borrowing base certificate for 2003-04-04 due 2003-04-09",
        f"{name}: borrowing base certificate for 2003-04-04 due 2003-04-09",
        f"{name}: borrowing base reporting is now weekly",
        f"{name}: borrowing base reporting is now weekly",
    ]


def _another_innotrac(n: int):
    text = TERMS.read_text().replace("id: innotrac-2003", f"id: innotrac-{n}")
    version, _ = load_facility_terms(text=text, actor=None, reason="another facility")
    return version.facility


def test_the_nightly_close_takes_as_many_queries_for_five_facilities_as_for_two(
    innotrac, people, settings, django_assert_max_num_queries
):
    def close_on(day: str) -> int:
        settings.ABL_BUSINESS_DATE = day
        with django_assert_max_num_queries(100) as queries:
            close.close_business_day()
        return len(queries.captured_queries)

    for facility in (innotrac, _another_innotrac(2)):
        approve_certificate(facility, people["cfo"], people["analyst"])
    close_on("2003-04-07")
    two = close_on("2003-04-08")
    for n in (3, 4, 5):
        approve_certificate(_another_innotrac(n), people["cfo"], people["analyst"])
    close_on("2003-04-09")
    five = close_on("2003-04-10")

    assert Cadence.objects.count() == 5
    assert five == two


def test_an_approval_that_switches_to_weekly_leaves_its_certificate_current_until_the_first_weekly_one_is_due(
    innotrac, people, settings, django_capture_on_commit_callbacks
):
    # Thursday 10 April: the certificate as of 31 March is approved at 10% excess availability.
    settings.ABL_BUSINESS_DATE = "2003-04-10"
    with django_capture_on_commit_callbacks(execute=True):
        loans.record_opening_balance(
            facility=innotrac,
            actor=people["analyst"],
            amount=outstanding_for("0.10"),
            value_date=dt.date(2003, 3, 31),
        )
        approve_certificate(innotrac, people["cfo"], people["analyst"])
    assert Cadence.objects.get(facility=innotrac).frequency == "weekly"

    live = loans.live_availability(innotrac)
    # The week to Friday 4 April fell due on the 9th, before the switch: not owed. The first
    # weekly certificate owed is the week to Friday the 11th, due Wednesday the 16th.
    assert (live.current_until, live.stale) == (dt.date(2003, 4, 16), False)
    assert loans.live_availability(innotrac, on=dt.date(2003, 4, 16)).stale is False
    assert loans.live_availability(innotrac, on=dt.date(2003, 4, 17)).stale is True
