"""Live availability's one hand-written query (abl/services/loans/availability.py
`_LIVE_SQL`) against the rules it reads: the certificate and figures the nightly reading
chooses (`reporting.services.cadence.read_all`), the ledger's balance on each date
(`balance_on`), the newest terms version and the frequency the cadence has in force.

The history has what the query must tell apart: an older certificate approved last, a
certificate approved again for the same date (the later review counts), one submitted and
never approved, entries valued before, on and after the dates asked about, a second terms
version and a cadence kept weekly.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from abl.models import AdvanceRequest, LedgerEntry
from abl.services import loans
from abl.services.terms import load_facility_terms
from reporting.models import Cadence
from reporting.services import cadence
from tests.abl.conftest import TERMS
from tests.abl.loans.conftest import approve_certificate, submit_certificate

pytestmark = pytest.mark.django_db

MARCH, APRIL, TODAY = dt.date(2003, 3, 31), dt.date(2003, 4, 4), dt.date(2003, 4, 7)
FRIDAY = dt.date(2003, 4, 11)
DATES = [
    dt.date(2003, 3, 30),
    MARCH,
    dt.date(2003, 4, 1),
    dt.date(2003, 4, 3),
    APRIL,
    TODAY,
    dt.date(2003, 4, 10),
    FRIDAY,
    dt.date(2003, 6, 30),
]


@pytest.fixture
def history(innotrac, cfo, abl_analyst):
    approve_certificate(innotrac, cfo, abl_analyst, as_of=APRIL)
    march = approve_certificate(innotrac, cfo, abl_analyst, as_of=MARCH)  # older, reviewed later
    april = approve_certificate(innotrac, cfo, abl_analyst, as_of=APRIL)  # approved again
    submit_certificate(innotrac, cfo, as_of=TODAY)  # never approved
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("300000.00"), value_date=MARCH
    )
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("40000.00"), value_date=FRIDAY, key="fri"
    )
    loans.approve_advance(advance=advance, actor=abl_analyst)
    loans.record_repayment(
        facility=innotrac, actor=abl_analyst, amount=Decimal("1000.00"), value_date=APRIL
    )
    text = TERMS.read_text().replace("maturity_date: 2005-06-30", "maturity_date: 2005-12-31")
    load_facility_terms(text=text, actor=abl_analyst, reason="maturity extended")
    Cadence.objects.update_or_create(
        facility=innotrac,
        defaults={
            "frequency": "weekly",
            "since": MARCH,
            "started_on": MARCH,
            "excess_availability": Decimal("0.00"),
            "excess_availability_pct": Decimal("0"),
            "measured_on": MARCH,
        },
    )
    return {"march": march, "april": april}


@pytest.mark.parametrize("on", DATES)
def test_live_availability_chooses_the_certificate_and_figures_the_nightly_reading_does(
    innotrac, history, on
):
    (measure,) = cadence.read_all(on=on, facility_ids=[innotrac.pk]).measures or [None]

    live = loans.live_availability(innotrac, on=on)

    if measure is None:
        assert (live.certificate, live.figures) == (None, None)
    else:
        assert live.certificate is not None
        assert (live.certificate.pk, live.certificate.as_of, live.figures) == (
            measure.certificate_id,
            measure.certificate_as_of,
            measure.figures,
        )


@pytest.mark.parametrize("on", DATES)
def test_live_availability_reads_the_ledger_as_balance_on_does(innotrac, history, on):
    ledger = LedgerEntry.objects.filter(facility=innotrac)

    live = loans.live_availability(innotrac, on=on)

    assert live.outstanding == ledger.balance_on(on)
    assert live.head == (3, Decimal("339000.00"))
    if live.committed is not None:
        assert live.committed.outstanding == Decimal("339000.00")


def test_live_availability_sums_the_requests_in_flight_as_the_model_says(
    innotrac, cfo, abl_analyst, history
):
    """§7: the requests awaiting a decision; decided and withdrawn ones are not in flight."""
    amounts = ["1000.00", "2500.50", "300.00", "70000.00"]
    _, declined, withdrawn, _ = (
        loans.request_advance(
            facility=innotrac, actor=cfo, amount=Decimal(a), value_date=TODAY, key=f"k{a}"
        )
        for a in amounts
    )
    loans.decline_advance(advance=declined, actor=abl_analyst, comment="Not this week")
    loans.withdraw_advance(advance=withdrawn, actor=cfo)
    in_flight = AdvanceRequest.objects.filter(facility=innotrac).in_flight()

    live = loans.live_availability(innotrac, on=TODAY)

    assert live.requests_pending == in_flight.aggregate(total=Sum("amount"))["total"]
    assert live.requests_pending == Decimal("71000.00")
    assert sorted(request.amount for request in in_flight) == [
        Decimal("1000.00"),
        Decimal("70000.00"),
    ]


def test_live_availability_chooses_by_date_then_by_the_later_review(innotrac, history):
    chosen = {
        on: (live.certificate.pk if live.certificate else None, live.current_until)
        for on in DATES
        if (live := loans.live_availability(innotrac, on=on))
    }

    march, april = history["march"].pk, history["april"].pk
    # Weekly (the cadence's, though the figures say monthly): current until the next week's
    # certificate is due, the Wednesday after the first Friday after the as-of date.
    assert chosen == {
        dt.date(2003, 3, 30): (None, None),
        MARCH: (march, dt.date(2003, 4, 9)),
        dt.date(2003, 4, 1): (march, dt.date(2003, 4, 9)),
        dt.date(2003, 4, 3): (march, dt.date(2003, 4, 9)),
        APRIL: (april, dt.date(2003, 4, 16)),
        TODAY: (april, dt.date(2003, 4, 16)),
        dt.date(2003, 4, 10): (april, dt.date(2003, 4, 16)),
        FRIDAY: (april, dt.date(2003, 4, 16)),
        dt.date(2003, 6, 30): (april, dt.date(2003, 4, 16)),
    }


def test_live_availability_reads_the_newest_terms(innotrac, history):
    live = loans.live_availability(innotrac)

    assert live.maturity_date == dt.date(2005, 12, 31)


def test_live_availability_of_a_facility_with_nothing_yet(innotrac):
    live = loans.live_availability(innotrac)

    assert (live.certificate, live.figures, live.committed, live.current_until) == (
        None,
        None,
        None,
        None,
    )
    assert (live.outstanding, live.head) == (Decimal("0.00"), (0, Decimal("0.00")))
    assert live.maturity_date == dt.date(2005, 6, 30)
