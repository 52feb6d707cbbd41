"""§3 eligible receivables: each rule at its boundary, and the invariants."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abl.calc.receivables import (
    CATEGORIES,
    CustomerBalance,
    compute_receivables,
    summarize_customers,
)
from tests.abl.calc.builders import AS_OF, aging, innotrac_terms, payables

RULES = innotrac_terms().receivables


def _result(frame, ap=None, rules=RULES):
    customers = summarize_customers(frame, ap, as_of=AS_OF, age_limit_days=rules.age_limit_days)
    return compute_receivables(customers, rules)


@pytest.mark.parametrize(("days", "past_due"), [(90, "0.00"), (91, "100.00")])
def test_item_is_aged_only_past_ninety_days(days, past_due):
    result = _result(aging(("ACME", "100.00", days), ("ACME", "900.00", 1)))

    assert result.ineligible["past_due"] == Decimal(past_due)


def test_cross_aging_at_exactly_fifty_percent_makes_the_whole_customer_ineligible():
    result = _result(aging(("ACME", "500.00", 120), ("ACME", "500.00", 10)))

    assert result.ineligible["cross_aged"] == Decimal("1000.00")
    assert result.ineligible["past_due"] == Decimal("0.00")


def test_cross_aging_just_under_fifty_percent_takes_only_the_aged_items():
    result = _result(aging(("ACME", "499.99", 120), ("ACME", "500.01", 10)))

    assert result.ineligible["cross_aged"] == Decimal("0.00")
    assert result.ineligible["past_due"] == Decimal("499.99")


@pytest.mark.parametrize(
    ("item", "category"),
    [
        (("AFF", "100.00", 1, "US", True, False), "affiliate"),
        (("GOV", "100.00", 1, "US", False, True), "government"),
        (("CAN", "100.00", 1, "CA", False, False), "foreign"),
    ],
)
def test_whole_balance_categories(item, category):
    result = _result(aging(item, ("BIG", "900.00", 1)))

    assert result.ineligible[category] == Decimal("100.00")


def test_affiliate_comes_before_government_so_no_dollar_counts_twice():
    result = _result(aging(("BOTH", "100.00", 120, "CA", True, True), ("BIG", "900.00", 1)))

    assert result.ineligible["affiliate"] == Decimal("100.00")
    assert (
        result.ineligible["government"]
        + result.ineligible["foreign"]
        + result.ineligible["past_due"]
        == 0
    )


def test_credit_balance_customer_counts_as_it_is():
    result = _result(
        aging(
            ("CREDIT", "-50.00", 1),
            ("ACME", "1000.00", 1),
            ("BETA", "1000.00", 1),
            ("GAMMA", "1000.00", 1),
            ("DELTA", "1000.00", 1),
        )
    )
    credit = next(c for c in result.customers if c.customer.customer_id == "CREDIT")

    assert credit.eligible == Decimal("-50.00")
    assert all(amount == 0 for amount in credit.ineligible.values())
    # E = 4 × 1,000.00 − 50.00 = 3,950.00 (the credit balance counts); each
    # customer may be 25% × E = 987.50, so concentration takes 4 × 12.50.
    assert result.ineligible["concentration"] == Decimal("50.00")
    assert result.eligible == Decimal("3900.00")


def test_contra_takes_what_the_borrower_owes_the_customer():
    frame = aging(*[(c, "1000.00", 1) for c in ("ACME", "BETA", "GAMMA", "DELTA")])

    result = _result(frame, payables(("ACME", "300.00")))

    assert result.ineligible["contra"] == Decimal("300.00")


def test_a_negative_payables_total_counts_as_zero():
    frame = aging(*[(c, "1000.00", 1) for c in ("ACME", "BETA", "GAMMA", "DELTA")])

    result = _result(frame, payables(("ACME", "300.00"), ("ACME", "-500.00")))

    assert result.ineligible["contra"] == Decimal("0.00")
    assert result.eligible == Decimal("4000.00")


def test_contra_larger_than_the_balance_takes_only_the_balance():
    frame = aging(*[(c, "1000.00", 1) for c in ("ACME", "BETA", "GAMMA", "DELTA")])

    result = _result(frame, payables(("ACME", "2500.00")))
    acme = next(c for c in result.customers if c.customer.customer_id == "ACME")

    assert acme.ineligible["contra"] == Decimal("1000.00")
    assert acme.eligible == Decimal("0.00")


def test_concentration_takes_the_excess_over_twenty_five_percent():
    # E = 1,000 + 300 + 300 = 1,600; ACME may be 25% = 400.00, so 600.00 is excess.
    result = _result(aging(("ACME", "1000.00", 1), ("BETA", "300.00", 1), ("GAMMA", "300.00", 1)))

    assert result.ineligible["concentration"] == Decimal("600.00")
    assert result.eligible == Decimal("1000.00")


def test_bellsouth_override_allows_fifty_percent():
    # E = 1,600; BellSouth may be 50% = 800.00; excess 200.00.
    result = _result(
        aging(("BELLSOUTH", "1000.00", 1), ("BETA", "300.00", 1), ("GAMMA", "300.00", 1))
    )

    assert result.ineligible["concentration"] == Decimal("200.00") + Decimal("0.00")
    by_id = {c.customer.customer_id: c for c in result.customers}
    assert by_id["BELLSOUTH"].ineligible["concentration"] == Decimal("200.00")


def test_concentration_limit_is_rounded_to_cents():
    # E = 100.01 + 100.00 + 100.00 + 100.00 = 400.01; 25% = 100.0025 → 100.00.
    result = _result(
        aging(
            ("ACME", "100.01", 1),
            ("BETA", "100.00", 1),
            ("GAMMA", "100.00", 1),
            ("DELTA", "100.00", 1),
        )
    )

    assert result.ineligible["concentration"] == Decimal("0.01")


def test_result_refuses_to_exist_when_categories_do_not_add_up():
    from abl.calc.receivables import CustomerResult

    balance = CustomerBalance(
        "X",
        "X",
        "US",
        False,
        False,
        1,
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )

    with pytest.raises(ValueError, match="do not sum"):
        CustomerResult(balance, dict.fromkeys(CATEGORIES, Decimal("1.00")), Decimal("10.00"))


customer_items = st.lists(
    st.tuples(
        st.sampled_from(["BELLSOUTH", "ACME", "BETA", "GAMMA", "DELTA", "EPS"]),
        st.decimals(min_value=Decimal("-5000"), max_value=Decimal("50000"), places=2),
        st.integers(min_value=0, max_value=200),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(items=customer_items, contra=st.decimals(min_value=0, max_value=Decimal("20000"), places=2))
def test_categories_always_sum_to_gross_minus_eligible(items, contra):
    flags = {
        "ACME": ("US", True, False),
        "BETA": ("US", False, True),
        "GAMMA": ("MX", False, False),
    }
    frame = aging(*[(c, str(a), d, *flags.get(c, ("US", False, False))) for c, a, d in items])

    result = _result(frame, payables(("DELTA", str(contra))))

    assert sum(result.ineligible.values()) == result.gross - result.eligible
    assert all(amount >= 0 for amount in result.ineligible.values())
    assert result.availability == (result.eligible * Decimal("0.85")).quantize(
        Decimal("0.01"), "ROUND_HALF_UP"
    )
    positive = sum((c.customer.gross for c in result.customers if c.customer.gross > 0), Decimal(0))
    assert result.eligible <= positive
    for customer in result.customers:
        if customer.customer.gross > 0:
            assert customer.eligible >= 0
