"""The fee rules of §9, pure: monitoring while in force, set-up once, exams per year, interest."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.calc.fee_terms import PricingLevel
from abl.calc.fees import (
    FeeStatement,
    MissingBaseRate,
    Month,
    StatementLine,
    fee_statement,
    field_exam_hold_refusal,
    field_exam_not_charged,
    margin_for,
    monitoring_due,
    month_interest,
    setup_date,
)

D = Decimal
TERMS_DATE = dt.date(2003, 2, 18)
MATURITY = dt.date(2005, 6, 30)
# The Innotrac example's placeholder levels (terms.yaml `pricing.levels`).
LEVELS = (
    PricingLevel(D("0.75"), D("0.0000")),
    PricingLevel(D("1.00"), D("0.0025")),
    PricingLevel(D("1.25"), D("0.0050")),
    PricingLevel(None, D("0.0075")),
)


@pytest.mark.parametrize(
    ("month", "due"),
    [
        (Month(2003, 1), False),  # before the terms date
        (Month(2003, 2), True),  # the terms date's month, not prorated
        (Month(2004, 2), True),
        (Month(2005, 6), True),  # maturity's month
        (Month(2005, 7), False),  # after maturity
    ],
)
def test_monitoring_is_due_each_month_the_structure_is_in_force(month, due):
    assert monitoring_due(month, terms_date=TERMS_DATE, maturity_date=MATURITY) is due


def test_setup_is_dated_the_terms_date_in_its_month_else_the_first_of_the_month():
    assert setup_date(Month(2003, 2), terms_date=TERMS_DATE, maturity_date=MATURITY) == TERMS_DATE
    assert setup_date(Month(2003, 4), terms_date=TERMS_DATE, maturity_date=MATURITY) == dt.date(
        2003, 4, 1
    )
    assert setup_date(Month(2003, 1), terms_date=TERMS_DATE, maturity_date=MATURITY) is None


@pytest.mark.parametrize(("number", "charged"), [(1, True), (3, True), (4, False), (7, False)])
def test_a_fourth_or_later_field_exam_in_a_year_is_not_charged(number, charged):
    reason = field_exam_not_charged(year=2003, number=number, max_per_year=3)

    assert reason == (
        ""
        if charged
        else f"Not charged: field exam {number} of 2003, and at most 3 are charged per calendar year."
    )


@pytest.mark.parametrize(
    ("number", "reason", "refused"),
    [(3, "", False), (4, "", True), (4, "  ", True), (4, "Covenant breach", False)],
)
def test_the_bank_holds_an_exam_beyond_the_charged_only_with_its_reason(number, reason, refused):
    refusal = field_exam_hold_refusal(year=2003, number=number, max_per_year=3, reason=reason)

    assert refusal == (
        "Field exam 4 of 2003 is beyond the 3 charged per calendar year: give the reason the "
        "bank holds it (risk, a breach)."
        if refused
        else None
    )


@pytest.mark.parametrize(
    ("ratio", "margin"),
    [
        (D("0.50"), D("0.0000")),
        (D("0.75"), D("0.0000")),  # a level's up_to is included
        (D("0.7501"), D("0.0025")),
        (D("1.25"), D("0.0050")),
        (D("1.2501"), D("0.0075")),
        (None, D("0.0075")),  # not measured: the highest margin
    ],
)
def test_the_margin_is_the_first_level_the_ratio_does_not_exceed(ratio, margin):
    assert margin_for(LEVELS, ratio) == margin


@pytest.mark.parametrize(
    ("text", "month"), [("2003-04", Month(2003, 4)), (" 2003-12 ", Month(2003, 12))]
)
def test_a_month_is_read_as_yyyy_mm(text, month):
    assert Month.parse(text) == month


@pytest.mark.parametrize("text", ["2003-13", "2003-4", "April", "2003-04-01", ""])
def test_anything_else_is_not_a_month(text):
    with pytest.raises(ValueError, match="not a month"):
        Month.parse(text)


def _april_balance(day: dt.date) -> Decimal:
    """3,600,000 until an advance of 1,800,000 valued 16 April."""
    return D("5400000.00") if day >= dt.date(2003, 4, 16) else D("3600000.00")


def test_interest_for_april_2003_worked_by_hand():
    # Prime 4.25% until it falls to 4.00% on 21 April; the ratio 1.10 (margin 0.50%)
    # until an accepted statement measures 0.90 (margin 0.25%) from 11 April.
    #   1–10 Apr: 3,600,000 × 4.75% / 360 = 475.00 a day × 10 = 4,750.00
    #  11–15 Apr: 3,600,000 × 4.50% / 360 = 450.00 a day ×  5 = 2,250.00
    #  16–20 Apr: 5,400,000 × 4.50% / 360 = 675.00 a day ×  5 = 3,375.00
    #  21–30 Apr: 5,400,000 × 4.25% / 360 = 637.50 a day × 10 = 6,375.00
    #                                                  total 16,750.00
    month = month_interest(
        Month(2003, 4),
        balances=_april_balance,
        base_rates=[(dt.date(2003, 1, 1), D("0.0425")), (dt.date(2003, 4, 21), D("0.0400"))],
        ratios=[(dt.date(2003, 1, 1), D("1.10")), (dt.date(2003, 4, 11), D("0.90"))],
        levels=LEVELS,
    )

    assert month.total == D("16750.00")
    assert [d.rate for d in month.days[8:12]] == [
        D("0.0475"),
        D("0.0475"),
        D("0.0450"),
        D("0.0450"),
    ]
    assert month.days[19].rate == D("0.0450")
    assert month.days[20].rate == D("0.0425")
    assert month.description(base_name="prime", placeholder=True) == (
        "Interest 2003-04: 30 days with a balance, actual/360, prime 4% + margin 0.25%, "
        "prime 4.25% + margin 0.25%, prime 4.25% + margin 0.5% "
        "(pricing levels are placeholders, not the December matrix)"
    )


def test_interest_is_rounded_once_for_the_month_not_each_day():
    # 100,000 × 5% / 360 = 13.8888… a day; × 30 = 416.666… → 416.67 (daily rounding: 416.70).
    month = month_interest(
        Month(2003, 4),
        balances=lambda day: D("100000.00"),
        base_rates=[(dt.date(2003, 4, 1), D("0.0425"))],
        ratios=[],
        levels=LEVELS,
    )

    assert month.total == D("416.67")


def test_days_without_a_balance_accrue_nothing_and_need_no_base_rate():
    # Drawn on 21 April, the rate set on 21 April: 10 days × 1,000,000 × 4.75% / 360 = 1,319.444… → 1,319.44
    month = month_interest(
        Month(2003, 4),
        balances=lambda day: D("1000000.00") if day >= dt.date(2003, 4, 21) else D("0.00"),
        base_rates=[(dt.date(2003, 4, 21), D("0.0425"))],
        ratios=[(dt.date(2003, 3, 31), D("1.20"))],
        levels=LEVELS,
    )

    assert month.total == D("1319.44")
    assert sum(1 for d in month.days if d.accrual) == 10


def test_a_day_with_a_balance_and_no_base_rate_is_refused():
    with pytest.raises(MissingBaseRate, match="no base rate is in force on 2003-04-01"):
        month_interest(
            Month(2003, 4),
            balances=lambda day: D("1.00"),
            base_rates=[(dt.date(2003, 4, 2), D("0.0425"))],
            ratios=[],
            levels=LEVELS,
        )


def test_a_statement_totals_its_lines_and_refuses_a_wrong_total():
    lines = [
        StatementLine(dt.date(2003, 4, 30), "interest", "Interest", D("16750.00")),
        StatementLine(dt.date(2003, 4, 30), "monitoring", "Monitoring", D("1555.00")),
        StatementLine(dt.date(2003, 4, 1), "setup", "Set-up", D("1125.00")),
    ]

    statement = fee_statement("innotrac-2003", Month(2003, 4), lines)

    assert statement.total == D("19430.00")
    assert [line.kind for line in statement.lines] == ["setup", "monitoring", "interest"]
    with pytest.raises(ValueError, match="sum of its lines"):
        FeeStatement("innotrac-2003", Month(2003, 4), statement.lines, D("19430.01"))


def test_a_statement_refuses_a_line_of_another_month():
    line = StatementLine(dt.date(2003, 5, 1), "monitoring", "Monitoring", D("1555.00"))

    with pytest.raises(ValueError, match="not a line of 2003-04"):
        fee_statement("innotrac-2003", Month(2003, 4), [line])
