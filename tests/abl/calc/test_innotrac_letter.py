"""The SouthTrust letter of 18 February 2003, worked by hand.

"Advance rates on the borrowing base would be limited to 85% of eligible
accounts receivable, and 50% of eligible inventory. However, advances against
eligible BellSouth inventory would be 65%, provided BellSouth consents ...
There would be a maximum advance of $20,000,000 against inventory."
"""

from decimal import Decimal

from abl.calc.borrowing_base import compute_from_frames
from abl.calc.report import borrowing_base_json
from abl.calc.terms import Reserve, with_consent, with_reserves
from tests.abl.calc.builders import AS_OF, aging, innotrac_terms, inventory

# Receivables: four customers of $2,500,000, all current and in the US. BellSouth
# may be 50% of eligible receivables, the others 25% each: no concentration.
RECEIVABLES = aging(
    ("BELLSOUTH", "2500000.00", 10),
    ("ACME", "2500000.00", 20),
    ("BETA", "2500000.00", 30),
    ("GAMMA", "2500000.00", 40),
)


def _compute(terms, stock, outstanding="0.00"):
    return compute_from_frames(
        terms=terms, ar=RECEIVABLES, inventory=stock, as_of=AS_OF, outstanding=Decimal(outstanding)
    )


def test_letter_lends_85_percent_of_eligible_receivables():
    result = _compute(innotrac_terms(), None)

    assert result.receivables.eligible == Decimal("10000000.00")
    assert result.receivables.availability == Decimal("8500000.00")  # 85% of $10,000,000


def test_letter_lends_50_percent_of_eligible_inventory_and_bellsouth_at_50_before_consent():
    stock = inventory(
        ("4000000.00", "finished_goods"), ("2000000.00", "finished_goods", "BELLSOUTH")
    )

    result = _compute(innotrac_terms(), stock)

    assert result.inventory.advance_before_cap == Decimal("3000000.00")  # 50% of $6,000,000


def test_letter_lends_65_percent_on_bellsouth_inventory_once_consented():
    stock = inventory(
        ("4000000.00", "finished_goods"), ("2000000.00", "finished_goods", "BELLSOUTH")
    )
    terms = with_consent(innotrac_terms(), "BELLSOUTH", True)

    result = _compute(terms, stock)

    # 50% × $4,000,000 + 65% × $2,000,000 = $2,000,000 + $1,300,000
    assert result.inventory.advance_before_cap == Decimal("3300000.00")


def test_letter_caps_the_inventory_advance_at_twenty_million():
    stock = inventory(("50000000.00", "finished_goods"))

    result = _compute(innotrac_terms(), stock)

    assert result.inventory.advance_before_cap == Decimal("25000000.00")
    assert result.inventory.availability == Decimal("20000000.00")


def test_letter_line_is_forty_million_whatever_the_borrowing_base():
    stock = inventory(("50000000.00", "finished_goods"))
    big = aging(*[(f"C{i:02d}", "5000000.00", 10) for i in range(8)])

    result = compute_from_frames(
        terms=innotrac_terms(), ar=big, inventory=stock, as_of=AS_OF, outstanding=Decimal("0.00")
    )

    # AR 85% × 40,000,000 = 34,000,000 + inventory 20,000,000 = 54,000,000; the line is 40,000,000.
    assert result.borrowing_base == Decimal("54000000.00")
    assert result.line_cap == Decimal("40000000.00")


def test_letter_reporting_is_monthly_above_fifteen_percent_excess_availability():
    terms = innotrac_terms()

    # Borrowing base 8,500,000; outstanding 7,225,000 leaves exactly 15.00%: weekly.
    assert _compute(terms, None, "7225000.00").reporting_frequency == "weekly"
    assert _compute(terms, None, "7224999.99").reporting_frequency == "monthly"


def test_reserves_reduce_the_borrowing_base():
    terms = with_reserves(innotrac_terms(), [Reserve("Rent reserve", Decimal("150000.00"))])

    result = _compute(terms, None)

    assert result.borrowing_base == Decimal("8350000.00")


def test_json_has_exactly_the_contract_keys_as_strings():
    result = borrowing_base_json(_compute(innotrac_terms(), None, "5000000.00"))

    assert list(result) == [
        "gross_receivables",
        "ineligible_receivables",
        "eligible_receivables",
        "receivables_availability",
        "gross_inventory",
        "ineligible_inventory",
        "eligible_inventory",
        "inventory_advance_before_cap",
        "inventory_availability",
        "reserves",
        "borrowing_base",
        "line_cap",
        "outstanding",
        "excess_availability",
        "excess_availability_pct",
        "reporting_frequency",
    ]
    assert result["excess_availability"] == "3500000.00"
    assert result["excess_availability_pct"] == "0.4118"  # 3,500,000 ÷ 8,500,000
    assert list(result["ineligible_receivables"]) == [
        "affiliate",
        "government",
        "foreign",
        "cross_aged",
        "past_due",
        "contra",
        "concentration",
    ]
