"""The letter's covenants (§8) on every step date, between steps and after the schedule."""

import datetime as dt
from decimal import Decimal

import pytest

from covenants.calc.engine import CovenantResult, evaluate, measured
from covenants.calc.financials import FinancialsError
from tests.covenants.calc.builders import financials, innotrac_covenants, with_dta_intangible

COVENANTS = innotrac_covenants()


def _result(on: dt.date, covenant: str, **figures: str) -> CovenantResult:
    results = {r.covenant: r for r in evaluate(COVENANTS, on, financials(**figures))}
    return results[covenant]


@pytest.mark.parametrize(
    ("on", "required"),
    [
        (dt.date(2003, 3, 31), "32500000.00"),
        (dt.date(2003, 5, 15), "32500000.00"),
        (dt.date(2003, 6, 30), "33000000.00"),
        (dt.date(2003, 8, 31), "33000000.00"),
        (dt.date(2003, 9, 30), "33000000.00"),
        (dt.date(2003, 12, 30), "33000000.00"),
        (dt.date(2003, 12, 31), "34000000.00"),
        (dt.date(2004, 2, 29), "34000000.00"),
        (dt.date(2004, 3, 31), "34250000.00"),
        (dt.date(2004, 6, 30), "34500000.00"),
        (dt.date(2005, 6, 30), "35500000.00"),
    ],
)
def test_tangible_net_worth_requirement_follows_the_letter(on, required):
    assert _result(on, "tangible_net_worth").required == Decimal(required)


@pytest.mark.parametrize(
    ("on", "required"),
    [
        (dt.date(2003, 3, 31), "1.25"),
        (dt.date(2003, 6, 29), "1.25"),
        (dt.date(2003, 6, 30), "1.40"),
        (dt.date(2003, 9, 30), "1.60"),
        (dt.date(2003, 11, 30), "1.60"),
        (dt.date(2003, 12, 31), "1.75"),
        (dt.date(2004, 12, 31), "1.75"),
    ],
)
def test_fixed_charge_coverage_requirement_follows_the_letter(on, required):
    assert _result(on, "fixed_charge_coverage").required == Decimal(required)


def test_before_the_first_step_only_debt_to_net_worth_is_in_force():
    results = evaluate(COVENANTS, dt.date(2003, 2, 28), financials())

    assert [r.covenant for r in results] == ["debt_to_tangible_net_worth", "capital_expenditures"]


def test_every_covenant_is_in_force_in_2003_and_capex_only_in_its_year():
    in_2003 = [r.covenant for r in evaluate(COVENANTS, dt.date(2003, 12, 31), financials())]
    in_2004 = [r.covenant for r in evaluate(COVENANTS, dt.date(2004, 3, 31), financials())]

    assert in_2003 == [
        "tangible_net_worth",
        "fixed_charge_coverage",
        "debt_to_tangible_net_worth",
        "capital_expenditures",
    ]
    assert in_2004 == in_2003[:3]


def test_deferred_tax_asset_is_kept_out_of_intangibles_for_innotrac():
    result = _result(dt.date(2003, 3, 31), "tangible_net_worth", total_equity="35000000.00")

    assert result.actual == Decimal("32500000.00")  # 35.0M − 2.0M goodwill − 0.5M other
    assert result.passed is True


def test_deferred_tax_asset_counts_as_intangible_when_the_terms_say_so():
    covenants = with_dta_intangible(COVENANTS, True)
    figures = financials(total_equity="35000000.00")

    [result, *_] = evaluate(covenants, dt.date(2003, 3, 31), figures)

    assert result.actual == Decimal("31000000.00")  # and the 1.5M deferred tax asset too
    assert result.passed is False
    assert result.headroom == Decimal("-1500000.00")


def test_tangible_net_worth_equal_to_the_minimum_passes_at_risk():
    result = _result(dt.date(2004, 3, 31), "tangible_net_worth", total_equity="36750000.00")

    assert result.actual == Decimal("34250000.00")
    assert (result.passed, result.headroom, result.headroom_pct) == (True, Decimal(0), Decimal(0))
    assert result.status == "at_risk"


def test_a_cent_short_of_the_minimum_fails():
    result = _result(dt.date(2004, 3, 31), "tangible_net_worth", total_equity="36749999.99")

    assert (result.passed, result.headroom, result.status) == (False, Decimal("-0.01"), "failed")


def test_fixed_charge_coverage_of_1_2496_fails_1_25():
    # (6,248,000 − 0 − 0 − 0) ÷ (4,000,000 + 1,000,000) = 1.2496, shown as 1.25 but short of it.
    result = _result(
        dt.date(2003, 3, 31),
        "fixed_charge_coverage",
        ebitda="6248000.00",
        unfinanced_capex="0.00",
        cash_taxes="0.00",
        interest_expense="4000000.00",
    )

    assert result.actual == Decimal("1.2496")
    assert result.passed is False
    assert result.headroom == Decimal("-0.0004")


def test_fixed_charge_coverage_equal_to_the_minimum_passes():
    result = _result(
        dt.date(2003, 3, 31),
        "fixed_charge_coverage",
        ebitda="6250000.00",
        unfinanced_capex="0.00",
        cash_taxes="0.00",
        interest_expense="4000000.00",
    )

    assert (result.actual, result.passed) == (Decimal("1.25"), True)


def test_fixed_charge_coverage_deducts_capex_taxes_and_distributions():
    result = _result(
        dt.date(2003, 12, 31),
        "fixed_charge_coverage",
        ebitda="9000000.00",
        unfinanced_capex="1000000.00",
        cash_taxes="500000.00",
        distributions="1500000.00",
    )

    assert result.actual == Decimal(6000000) / Decimal(3000000)
    assert result.passed is True


def test_fixed_charge_coverage_without_fixed_charges_is_not_tested():
    result = _result(
        dt.date(2003, 3, 31),
        "fixed_charge_coverage",
        ebitda="-500000.00",
        interest_expense="0.00",
        scheduled_principal="0.00",
    )

    assert (result.tested, result.passed, result.actual, result.status) == (
        False,
        True,
        None,
        "not_tested",
    )


def test_subordinated_debt_leaves_the_debt_and_joins_the_net_worth():
    without = _result(dt.date(2003, 3, 31), "debt_to_tangible_net_worth")
    with_sub = _result(
        dt.date(2003, 3, 31), "debt_to_tangible_net_worth", subordinated_debt="5000000.00"
    )

    assert without.actual == Decimal("30000000") / Decimal("37500000")  # 0.80
    assert with_sub.actual == Decimal("25000000") / Decimal("42500000")  # (30 − 5) ÷ (37.5 + 5)


def test_debt_to_net_worth_of_exactly_1_50_passes_and_above_fails():
    at_max = _result(
        dt.date(2003, 3, 31), "debt_to_tangible_net_worth", total_liabilities="56250000.00"
    )
    above = _result(
        dt.date(2003, 3, 31), "debt_to_tangible_net_worth", total_liabilities="56250000.01"
    )

    assert (at_max.actual, at_max.passed) == (Decimal("1.5"), True)
    assert above.passed is False


def test_debt_to_net_worth_fails_when_the_divisor_is_not_positive():
    result = _result(
        dt.date(2003, 3, 31),
        "debt_to_tangible_net_worth",
        total_equity="2500000.00",  # tangible net worth exactly zero
    )

    assert (result.tested, result.passed, result.actual, result.status) == (
        True,
        False,
        None,
        "failed",
    )


def test_capex_basket_is_three_million_plus_new_business_capped_at_one_million():
    small = _result(
        dt.date(2003, 9, 30),
        "capital_expenditures",
        capex_ytd="3400000.00",
        new_business_capex_ytd="400000.00",
    )
    capped = _result(
        dt.date(2003, 9, 30),
        "capital_expenditures",
        capex_ytd="4100000.00",
        new_business_capex_ytd="1500000.00",
    )

    assert (small.required, small.passed) == (Decimal("3400000.00"), True)
    assert capped.required == Decimal("4000000.00")
    assert (capped.passed, capped.headroom) == (False, Decimal("-100000.00"))


def test_capex_basket_is_raised_by_the_banks_approval():
    result = _result(
        dt.date(2003, 9, 30),
        "capital_expenditures",
        capex_ytd="4100000.00",
        new_business_capex_ytd="1500000.00",
        approved_additional_capex="250000.00",
    )

    assert (result.required, result.passed, result.headroom) == (
        Decimal("4250000.00"),
        True,
        Decimal("150000.00"),
    )


@pytest.mark.parametrize(
    ("equity", "status"),
    [
        ("40175000.01", "passed"),  # headroom 3,425,000.01
        ("40175000.00", "at_risk"),  # headroom exactly 10%: within the band
        ("36750000.00", "at_risk"),  # headroom zero
    ],
)
def test_at_risk_band_is_within_ten_percent_of_the_requirement(equity, status):
    # 2004-03-31 requires 34,250,000; 10% of it is 3,425,000 of headroom.
    result = _result(dt.date(2004, 3, 31), "tangible_net_worth", total_equity=equity)

    assert result.status == status


def test_at_risk_band_is_a_setting():
    figures = financials(total_equity="40000000.00")  # 37.5M against 34.25M: 9.49% headroom

    [default, *_] = evaluate(COVENANTS, dt.date(2004, 3, 31), figures)
    [narrow, *_] = evaluate(COVENANTS, dt.date(2004, 3, 31), figures, at_risk_pct=Decimal("0.05"))

    assert (default.status, narrow.status) == ("at_risk", "passed")


def test_a_result_whose_headroom_does_not_add_up_refuses_to_exist():
    with pytest.raises(ValueError, match="headroom"):
        CovenantResult(
            "tangible_net_worth",
            Decimal(10),
            Decimal(12),
            True,
            True,
            Decimal(3),
            None,
            False,
        )


def test_inconsistent_figures_refuse_to_exist():
    with pytest.raises(FinancialsError) as caught:
        financials(subordinated_debt="40000000.00", goodwill="-1.00")

    assert caught.value.problems == [
        "goodwill: must not be negative",
        "subordinated_debt: must not be more than total_liabilities",
    ]


@pytest.mark.parametrize(
    ("covenant", "on", "value", "expected"),
    [
        ("tangible_net_worth", dt.date(2003, 3, 31), "31500000.00", "31500000.00"),
        ("fixed_charge_coverage", dt.date(2003, 6, 30), "1.10", "1.10"),
        ("debt_to_tangible_net_worth", dt.date(2003, 6, 30), "1.75", "1.75"),
        ("capital_expenditures", dt.date(2003, 6, 30), "3500000.00", "3500000.00"),
    ],
)
def test_an_amendment_resets_one_requirement_from_its_date(covenant, on, value, expected):
    from abl.calc.terms.covenants import with_requirement

    amended = with_requirement(COVENANTS, covenant, on, Decimal(value))

    after = {r.covenant: r for r in evaluate(amended, on, financials())}
    before = {r.covenant: r for r in evaluate(COVENANTS, on, financials())}
    assert after[covenant].required == Decimal(expected)
    assert {k: r.required for k, r in after.items() if k != covenant} == {
        k: r.required for k, r in before.items() if k != covenant
    }


def test_an_amended_last_step_carries_the_quarterly_increase_from_it():
    from abl.calc.terms.covenants import with_requirement

    amended = with_requirement(
        COVENANTS, "tangible_net_worth", dt.date(2004, 6, 30), Decimal("34000000.00")
    )

    [tnw, *_] = evaluate(amended, dt.date(2004, 12, 31), financials())
    assert tnw.required == Decimal("34500000.00")  # 34.0M at 2004-06-30, + 2 × 250,000


@pytest.mark.parametrize(
    ("covenant", "granted", "now", "covered"),
    [
        ("debt_to_tangible_net_worth", "1.53", "1.68", False),  # worse for a maximum
        ("debt_to_tangible_net_worth", "1.53", "1.51", True),
        ("debt_to_tangible_net_worth", "1.53", "1.40", True),  # passes
        ("fixed_charge_coverage", "1.10", "1.05", False),  # worse for a minimum
        ("fixed_charge_coverage", "1.10", "1.20", True),
    ],
)
def test_a_resolution_covers_a_failure_no_worse_than_it_was_granted_on(
    covenant, granted, now, covered
):
    required = Decimal("1.50") if covenant == "debt_to_tangible_net_worth" else Decimal("1.25")

    def result(actual: str):
        return measured(covenant, required, Decimal(actual), Decimal("0.10"))

    assert result(now).covered_by(result(granted)) is covered
