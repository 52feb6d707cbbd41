"""The repayment rule for a file's rows in file order, against the one-at-a-time reading."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from abl.calc.loans import balance_on, lowest_balance_from
from abl.calc.money import money_text
from abl.calc.repayments import RepaymentProblem, repayment_problems, repayments_frame

TODAY = dt.date(2003, 4, 20)
LEDGER = [(dt.date(2003, 4, 1), Decimal("100.00")), (dt.date(2003, 4, 10), Decimal("-30.00"))]


def _one_at_a_time(repayments, ledger, today):
    """The rule as stated: each row against the ledger and the rows before it that fit."""
    problems, written = [], list(ledger)
    for index, (value_date, amount) in enumerate(repayments):
        if amount <= 0:
            problems.append((index, "amount", f"must be more than zero: {money_text(amount)}"))
        elif value_date > today:
            message = f"{value_date} is after today's business date {today}"
            problems.append((index, "value_date", message))
        elif (lowest := lowest_balance_from([*written, (value_date, -amount)], value_date)) < 0:
            problems.append(
                (
                    index,
                    "amount",
                    f"{money_text(amount)} would take the balance below zero "
                    f"(to {money_text(lowest)}); the outstanding on {value_date} is "
                    f"{money_text(balance_on(written, value_date))}",
                )
            )
        else:
            written.append((value_date, -amount))
    return problems


@pytest.mark.parametrize(
    ("repayments", "expected"),
    [
        ([(dt.date(2003, 4, 2), Decimal("70.00"))], []),
        (
            # 70.00 fits only counting the -30.00 of the 10th: the lowest is 0.00 from then on.
            [(dt.date(2003, 4, 2), Decimal("70.01"))],
            [(0, "amount")],
        ),
        (
            # The second row meets the balance the first left, not the ledger's alone.
            [(dt.date(2003, 4, 12), Decimal("50.00")), (dt.date(2003, 4, 2), Decimal("50.00"))],
            [(1, "amount")],
        ),
        (
            # A refused row is not counted: the third fits.
            [
                (dt.date(2003, 4, 2), Decimal("60.00")),
                (dt.date(2003, 4, 3), Decimal("20.00")),
                (dt.date(2003, 4, 3), Decimal("10.00")),
            ],
            [(1, "amount")],
        ),
        (
            [(dt.date(2003, 4, 21), Decimal("1.00")), (dt.date(2003, 4, 2), Decimal("0.00"))],
            [(0, "value_date"), (1, "amount")],
        ),
    ],
)
def test_each_row_counts_the_rows_before_it_that_fit(repayments, expected):
    problems, more = repayment_problems(repayments_frame(repayments), ledger=LEDGER, today=TODAY)

    assert [(p.index, p.field) for p in problems] == expected
    assert more == 0


def test_the_message_names_the_lowest_balance_and_the_outstanding_on_the_day():
    problems, _ = repayment_problems(
        repayments_frame([(dt.date(2003, 4, 2), Decimal("80.00"))]), ledger=LEDGER, today=TODAY
    )

    assert problems == [
        RepaymentProblem(
            0,
            "amount",
            "80.00 would take the balance below zero (to (10.00)); "
            "the outstanding on 2003-04-02 is 100.00",
        )
    ]


def test_problems_past_the_limit_are_counted_not_listed():
    rows = [(dt.date(2003, 4, 2), Decimal("1000.00"))] * 5

    problems, more = repayment_problems(repayments_frame(rows), ledger=LEDGER, today=TODAY, limit=2)

    assert [p.index for p in problems] == [0, 1]
    assert more == 3


@pytest.mark.parametrize("seed", range(40))
def test_the_file_rule_agrees_with_the_rule_one_row_at_a_time(seed):
    generator = random.Random(seed)
    start = dt.date(2003, 4, 1)
    ledger = [
        (start + dt.timedelta(days=generator.randint(0, 30)), Decimal(generator.randint(-50, 300)))
        for _ in range(generator.randint(0, 8))
    ]
    repayments = [
        (
            start + dt.timedelta(days=generator.randint(0, 21)),
            Decimal(generator.randint(-100, 10000)) / 100,
        )
        for _ in range(generator.randint(1, 25))
    ]

    problems, more = repayment_problems(repayments_frame(repayments), ledger=ledger, today=TODAY)

    assert [(p.index, p.field, p.message) for p in problems] == _one_at_a_time(
        repayments, ledger, TODAY
    )
    assert more == 0
