"""§12 aging buckets: days past invoice date, 0–30, 31–60, 61–90, 91–120, over 120."""

from decimal import Decimal

import pytest

from abl.calc.aging import BUCKETS, Aging, age_receivables, aging_bucket


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0-30"),
        (30, "0-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-120"),
        (120, "91-120"),
        (121, "over_120"),
        (10_000, "over_120"),
    ],
)
def test_an_item_falls_in_the_bucket_of_its_days_past_invoice_date(days, bucket):
    assert aging_bucket(days) == bucket


def test_an_item_dated_after_the_as_of_date_has_no_bucket():
    with pytest.raises(ValueError, match="1 days after the as-of date"):
        aging_bucket(-1)


def test_the_buckets_sum_to_the_gross_receivables_credits_included():
    items = [(0, 100_00), (31, 200_00), (75, 300_00), (100, 400_00), (121, 500_00), (5, -50_00)]

    aging = age_receivables(items)

    assert aging.amounts == {
        "0-30": Decimal("50.00"),
        "31-60": Decimal("200.00"),
        "61-90": Decimal("300.00"),
        "91-120": Decimal("400.00"),
        "over_120": Decimal("500.00"),
    }
    assert sum(aging.amounts.values()) == aging.total == Decimal("1450.00")


def test_no_receivables_age_to_zero_in_every_bucket():
    aging = age_receivables([])

    assert tuple(aging.amounts) == BUCKETS
    assert aging.total == Decimal("0.00")


def test_an_aging_whose_buckets_do_not_add_up_refuses_to_exist():
    with pytest.raises(ValueError, match="do not add up"):
        Aging(dict.fromkeys(BUCKETS, 1), total_cents=4)
