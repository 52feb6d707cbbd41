"""Posting a month's fees and interest (§9): what is charged, once, and to the loan ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from abl.calc.fees import Month
from abl.models import AuditEvent, FeeCharge, LedgerEntry
from abl.services import fees
from abl.services.fees import FeeRefused
from abl.services.loans import charge_loan
from tests.abl.fees.conftest import APRIL_INTEREST

pytestmark = pytest.mark.django_db
APRIL = Month(2003, 4)


def _charges(facility):
    return list(
        FeeCharge.objects.filter(facility=facility)
        .order_by("date", "kind")
        .values_list("kind", "date", "amount")
    )


def test_april_charges_setup_monitoring_and_the_interest_worked_by_hand(april):
    fees.post_fees(month=APRIL)

    assert _charges(april) == [
        ("setup", dt.date(2003, 4, 1), Decimal("1125.00")),
        ("interest", dt.date(2003, 4, 30), APRIL_INTEREST),
        ("monitoring", dt.date(2003, 4, 30), Decimal("1555.00")),
    ]


def test_every_charge_is_on_the_loan_ledger_as_a_fee_or_interest_entry(april):
    fees.post_fees(month=APRIL)

    entries = LedgerEntry.objects.filter(facility=april, kind__in=["fee", "interest"])
    assert sorted(entries.values_list("kind", "amount")) == [
        ("fee", Decimal("1125.00")),
        ("fee", Decimal("1555.00")),
        ("interest", APRIL_INTEREST),
    ]
    assert all(c.entry.amount == c.amount for c in FeeCharge.objects.select_related("entry"))
    assert LedgerEntry.objects.filter(facility=april).balance_on(dt.date(2003, 4, 30)) == (
        Decimal("3600000.00") + Decimal("2680.00") + APRIL_INTEREST
    )


def test_the_interest_line_says_how_it_was_worked_and_that_the_levels_are_placeholders(april):
    fees.post_fees(month=APRIL)

    interest = FeeCharge.objects.get(kind="interest")
    assert interest.description == (
        "Interest 2003-04: 30 days with a balance, actual/360, prime 4% + margin 0.25%, "
        "prime 4.25% + margin 0.25%, prime 4.25% + margin 0.5% "
        "(pricing levels are placeholders, not the December matrix)"
    )


def test_posting_a_month_twice_adds_nothing(april):
    first = fees.post_fees(month=APRIL)
    entries = LedgerEntry.objects.count()

    second = fees.post_fees(month=APRIL)

    assert len(first) == 3
    assert second == []
    assert FeeCharge.objects.count() == 3
    assert LedgerEntry.objects.count() == entries


def test_the_next_month_charges_monitoring_and_interest_but_not_the_setup_again(april, settings):
    fees.post_fees(month=APRIL)
    settings.ABL_BUSINESS_DATE = "2003-06-01"

    fees.post_fees(month=Month(2003, 5))

    may = [kind for kind, day, _ in _charges(april) if day.month == 5]
    assert sorted(may) == ["interest", "monitoring"]


def test_a_month_that_has_not_ended_is_refused_and_nothing_is_posted(april, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-30"

    with pytest.raises(
        FeeRefused, match=r"^2003-04 has not ended: the business date is 2003-04-30\.$"
    ):
        fees.post_fees(month=APRIL)

    assert FeeCharge.objects.count() == 0


def test_a_balance_without_a_base_rate_refuses_the_whole_posting(april):
    # Prime is kept from 2003-01-01: a balance on 31 December 2002 has no rate.
    charge_loan(
        facility=april,
        actor=None,
        kind="fee",
        amount=Decimal("1.00"),
        value_date=dt.date(2002, 12, 31),
        description="A charge before the series",
        source="test:2002",
    )

    with pytest.raises(FeeRefused, match="innotrac-2003: no base rate is in force on 2002-12-31"):
        fees.post_fees(month=Month(2002, 12))

    assert FeeCharge.objects.count() == 0


def test_the_posting_is_audited_per_facility(april):
    fees.post_fees(month=APRIL)

    event = AuditEvent.objects.get(action="fees.posted")
    assert event.summary == "Fees and interest for 2003-04 posted: 19,684.40"
    assert AuditEvent.objects.filter(action="ledger.charged").count() == 3


def test_the_database_refuses_a_second_monitoring_charge_for_a_month(april):
    fees.post_fees(month=APRIL)
    first = FeeCharge.objects.get(kind="monitoring")
    entry = LedgerEntry.objects.filter(facility=april).latest("seq")

    with pytest.raises(IntegrityError), transaction.atomic():
        FeeCharge.objects.create(
            facility=april,
            kind="monitoring",
            period=first.period,
            date=first.date,
            amount=first.amount,
            description="again",
            entry=entry,
        )


def test_the_database_refuses_to_change_a_posted_charge(april):
    fees.post_fees(month=APRIL)

    with pytest.raises(DatabaseError, match="abl_feecharge is unchangeable"), transaction.atomic():
        FeeCharge.objects.filter(kind="monitoring").update(amount=Decimal("1.00"))
