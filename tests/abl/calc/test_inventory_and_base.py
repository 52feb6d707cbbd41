"""§4 inventory and §5 borrowing base, line cap and excess availability."""

import dataclasses
from decimal import Decimal

import pytest

from abl.calc.borrowing_base import compute_borrowing_base, compute_from_frames, over_advance
from abl.calc.inventory import compute_inventory
from abl.calc.receivables import compute_receivables
from abl.calc.terms import with_consent
from tests.abl.calc.builders import AS_OF, aging, innotrac_terms, inventory

TERMS = innotrac_terms()


@pytest.mark.parametrize(
    ("row", "category"),
    [
        (("100.00", "work_in_process"), "work_in_process"),
        (("100.00", "finished_goods", "", True, False, False), "in_transit"),
        (("100.00", "finished_goods", "", False, True, False), "consigned"),
        (("100.00", "finished_goods", "", False, False, True), "obsolete"),
        (("100.00", "work_in_process", "", True, True, True), "work_in_process"),
        (("100.00", "raw_materials", "", False, True, True), "consigned"),
    ],
)
def test_inventory_row_counts_in_the_first_category_that_applies(row, category):
    result = compute_inventory(inventory(row), TERMS.inventory)

    assert result.ineligible[category] == Decimal("100.00")
    assert result.eligible == Decimal("0.00")


def test_unapproved_location_is_ineligible_only_when_locations_are_listed():
    stock = inventory(("100.00", "finished_goods", "", False, False, False, "Reno NV"))
    listed = dataclasses.replace(TERMS.inventory, approved_locations=("Duluth GA",))

    assert compute_inventory(stock, TERMS.inventory).eligible == Decimal("100.00")
    assert compute_inventory(stock, listed).ineligible["location"] == Decimal("100.00")


def test_each_rate_is_rounded_to_cents_before_the_cap():
    stock = inventory(("0.01", "finished_goods"), ("0.01", "finished_goods", "BELLSOUTH"))
    consented = with_consent(TERMS, "BELLSOUTH", True).inventory

    # Without consent: 50% × 0.02 = 0.01. With: 50% × 0.01 → 0.01 (half-up) + 65% × 0.01 → 0.01.
    assert compute_inventory(stock, TERMS.inventory).advance_before_cap == Decimal("0.01")
    assert compute_inventory(stock, consented).advance_before_cap == Decimal("0.02")


def _base(outstanding: str, terms=TERMS, receivable="1000000.00"):
    customers = aging(*[(f"C{i}", receivable, 1) for i in range(4)])
    return compute_from_frames(
        terms=terms, ar=customers, as_of=AS_OF, outstanding=Decimal(outstanding)
    )


def test_excess_availability_can_be_negative_an_over_advance():
    result = _base("4000000.00")  # borrowing base 3,400,000

    assert result.excess_availability == Decimal("-600000.00")
    assert result.reporting_frequency == "weekly"


def test_excess_availability_percentage_on_the_commitment_when_so_set():
    reporting = dataclasses.replace(TERMS.reporting, basis="commitment")
    terms = dataclasses.replace(TERMS, reporting=reporting)

    result = _base("0.00", terms)

    assert result.excess_availability_pct == Decimal("3400000.00") / Decimal("40000000.00")
    assert result.reporting_frequency == "weekly"  # 8.5% of the commitment


def test_zero_line_cap_gives_zero_percent():
    customers = compute_receivables([], TERMS.receivables)

    result = compute_borrowing_base(
        terms=TERMS, receivables=customers, inventory=None, outstanding=Decimal(0)
    )

    assert result.line_cap == Decimal("0.00")
    assert result.excess_availability_pct == Decimal(0)


def test_borrowing_base_is_never_negative():
    from abl.calc.terms import Reserve, with_reserves

    terms = with_reserves(TERMS, [Reserve("Big", Decimal("9999999.00"))])

    assert _base("0.00", terms).borrowing_base == Decimal("0.00")


@pytest.mark.parametrize(
    ("excess", "expected"),
    [("-0.01", "0.01"), ("-53875.00", "53875.00"), ("0.00", "0.00"), ("10.00", "0.00")],
)
def test_over_advance_is_the_excess_availability_below_zero(excess, expected):
    assert over_advance(Decimal(excess)) == Decimal(expected)
