"""An approval measured on every advance already promised, and refused after maturity, in words."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.models import AdvanceRequest, AuditEvent, LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused
from tests.abl.loans.conftest import LINE_CAP, TODAY

pytestmark = pytest.mark.django_db

FRIDAY = TODAY + dt.timedelta(days=4)


def _request(facility, user, amount, *, key, value_date=TODAY):
    return loans.request_advance(
        facility=facility, actor=user, amount=Decimal(amount), value_date=value_date, key=key
    )


@pytest.fixture
def promised(innotrac, cfo, abl_analyst, approved):
    """400,000.00 approved for Friday: not outstanding today, but promised."""
    loans.approve_advance(
        advance=_request(innotrac, cfo, "400000.00", key="friday", value_date=FRIDAY),
        actor=abl_analyst,
    )
    return innotrac


def test_an_approval_counts_an_advance_approved_for_a_later_day(promised, cfo, abl_analyst):
    advance = _request(promised, cfo, "146125.01", key="today")
    events = AuditEvent.objects.count()

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert str(refused.value) == (
        "The advance of 146,125.01 would take excess availability below zero: "
        "146,125.00 available, (0.01) after."
    )
    assert LedgerEntry.objects.count() == 1
    assert AdvanceRequest.objects.get(pk=advance.pk).status == "requested"
    assert AuditEvent.objects.count() == events


def test_an_approval_up_to_what_is_left_after_a_later_advance_is_made(promised, cfo, abl_analyst):
    advance = _request(promised, cfo, "146125.00", key="today")

    loans.approve_advance(advance=advance, actor=abl_analyst)

    assert LedgerEntry.objects.order_by("seq").last().balance_after == LINE_CAP


def test_the_page_refuses_an_advance_over_what_a_later_advance_left(
    client, promised, cfo, abl_analyst
):
    advance = _request(promised, cfo, "146125.01", key="today")
    client.force_login(abl_analyst)

    response = client.post(f"/advances/{advance.pk}/", {"decision": "approve", "comment": ""})

    assert response.status_code == 400
    assert (
        "The advance of 146,125.01 would take excess availability below zero: "
        "146,125.00 available, (0.01) after."
    ) in response.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_an_approval_of_an_advance_valued_after_maturity_is_refused(
    innotrac, cfo, abl_analyst, approved
):
    advance = _request(innotrac, cfo, "1000.00", key="late")
    # A request made before the terms moved maturity earlier (the request's own check is a
    # courtesy: the approval is what books money).
    AdvanceRequest.objects.filter(pk=advance.pk).update(value_date=dt.date(2005, 7, 1))
    advance.refresh_from_db()

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert str(refused.value) == "The facility matured on 2005-06-30: no advance after maturity."
    assert not LedgerEntry.objects.exists()
    assert AdvanceRequest.objects.get(pk=advance.pk).status == "requested"


def test_an_approval_valued_on_the_maturity_date_is_made(innotrac, cfo, abl_analyst, approved):
    advance = _request(innotrac, cfo, "1000.00", key="last")
    AdvanceRequest.objects.filter(pk=advance.pk).update(value_date=dt.date(2005, 6, 30))
    advance.refresh_from_db()

    loans.approve_advance(advance=advance, actor=abl_analyst)

    assert LedgerEntry.objects.get().value_date == dt.date(2005, 6, 30)


def test_the_facilitys_frequency_is_measured_on_what_is_outstanding_today(
    innotrac, cfo, abl_analyst, approved
):
    from reporting.models import Cadence
    from reporting.services import cadence

    # 480,000.00 promised for Friday: counted, excess would be 12.11% (weekly); today
    # nothing is outstanding and the excess is the whole line cap (monthly).
    loans.approve_advance(
        advance=_request(innotrac, cfo, "480000.00", key="friday", value_date=FRIDAY),
        actor=abl_analyst,
    )

    cadence.reevaluate_facility(facility_id=innotrac.pk, on=TODAY)

    measured = Cadence.objects.get(facility=innotrac)
    assert (measured.frequency, measured.excess_availability) == ("monthly", LINE_CAP)
    nightly = cadence.measure_all(on=TODAY, facility_ids=[innotrac.pk])
    assert nightly[0].figures.excess_availability == LINE_CAP
