from decimal import Decimal

import pytest

from reporting.calc.frequency import reporting_frequency


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
    assert reporting_frequency(Decimal(pct), Decimal("0.15")) == frequency
