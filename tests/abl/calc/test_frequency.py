"""§6: monthly above 15% excess availability, weekly at or below it, and the cure period."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.calc.frequency import Cadence, next_cadence, reporting_frequency

THRESHOLD = Decimal("0.15")
# The Innotrac samples as of 2003-03-31 (examples/innotrac): line cap 29,229,025.87.
LINE_CAP = Decimal("29229025.87")
FIFTEEN_PERCENT = Decimal("4384353.8805")  # 15% of the line cap, not a whole number of cents


@pytest.mark.parametrize(
    ("pct", "frequency"),
    [
        ("0.1501", "monthly"),
        ("0.15000001", "monthly"),
        ("0.15", "weekly"),
        ("0.1500", "weekly"),
        ("0.1499", "weekly"),
        ("0", "weekly"),
        ("-0.2", "weekly"),
        ("1", "monthly"),
    ],
)
def test_monthly_only_above_fifteen_percent(pct, frequency):
    assert reporting_frequency(Decimal(pct), THRESHOLD) == frequency


@pytest.mark.parametrize(
    ("excess", "frequency"),
    [("4384353.88", "weekly"), ("4384353.89", "monthly")],
)
def test_innotrac_line_cap_one_cent_either_side_of_fifteen_percent(excess, frequency):
    pct = Decimal(excess) / LINE_CAP

    assert (pct > THRESHOLD) == (Decimal(excess) > FIFTEEN_PERCENT)
    assert reporting_frequency(pct, THRESHOLD) == frequency


def _measure(current, pct, day, cure_days=0):
    return next_cadence(current, Decimal(pct), on=day, threshold_pct=THRESHOLD, cure_days=cure_days)


def test_first_measurement_sets_the_frequency_at_once():
    assert _measure(None, "0.20", dt.date(2003, 4, 7), cure_days=30) == Cadence(
        "monthly", dt.date(2003, 4, 7)
    )
    assert _measure(None, "0.1499", dt.date(2003, 4, 7)) == Cadence("weekly", dt.date(2003, 4, 7))


def test_innotrac_scenario_with_cure_days_zero():
    monthly = _measure(None, "0.20", dt.date(2003, 4, 7))
    weekly = _measure(monthly, "0.1499", dt.date(2003, 4, 8))
    still_weekly = _measure(weekly, "0.1500", dt.date(2003, 4, 9))
    back = _measure(still_weekly, "0.1501", dt.date(2003, 4, 10))

    assert weekly == Cadence("weekly", dt.date(2003, 4, 8))
    assert still_weekly == Cadence("weekly", dt.date(2003, 4, 8))
    assert back == Cadence("monthly", dt.date(2003, 4, 10))


def test_cure_days_thirty_keeps_weekly_until_the_thirtieth_day():
    weekly = Cadence("weekly", dt.date(2003, 4, 8))
    above = _measure(weekly, "0.1501", dt.date(2003, 4, 10), cure_days=30)
    day_29 = _measure(above, "0.1501", dt.date(2003, 5, 9), cure_days=30)
    day_30 = _measure(day_29, "0.1501", dt.date(2003, 5, 10), cure_days=30)

    assert above == Cadence("weekly", dt.date(2003, 4, 8), above_since=dt.date(2003, 4, 10))
    assert above.cure_ends(30) == dt.date(2003, 5, 10)
    assert day_29.frequency == "weekly"
    assert day_30 == Cadence("monthly", dt.date(2003, 5, 10))


def test_falling_back_to_the_line_restarts_the_cure_clock():
    above = Cadence("weekly", dt.date(2003, 4, 8), above_since=dt.date(2003, 4, 10))
    at_the_line = _measure(above, "0.15", dt.date(2003, 4, 20), cure_days=30)
    above_again = _measure(at_the_line, "0.16", dt.date(2003, 4, 25), cure_days=30)

    assert at_the_line == Cadence("weekly", dt.date(2003, 4, 8))
    assert above_again.above_since == dt.date(2003, 4, 25)
    assert _measure(above_again, "0.16", dt.date(2003, 5, 24), cure_days=30).frequency == "weekly"
    assert _measure(above_again, "0.16", dt.date(2003, 5, 25), cure_days=30).frequency == "monthly"


def test_monthly_stays_monthly_above_the_line_and_keeps_its_date():
    monthly = Cadence("monthly", dt.date(2003, 4, 7))

    assert _measure(monthly, "0.40", dt.date(2003, 6, 1), cure_days=30) is monthly


def test_a_cadence_refuses_inconsistent_states():
    with pytest.raises(ValueError, match="cure period"):
        Cadence("monthly", dt.date(2003, 4, 7), above_since=dt.date(2003, 4, 7))
    with pytest.raises(ValueError, match="frequency"):
        Cadence("daily", dt.date(2003, 4, 7))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        _measure(None, "0.2", dt.date(2003, 4, 7), cure_days=-1)
