"""Whether repayments fit the loan ledger (§7): one rule for a single repayment and a file's.

A repayment is more than zero, valued on or before the business date (money
is recorded once received), and never takes the balance below zero on any day
from its value date on. A file's rows are held to it in file order, each
counting the ledger and the rows before it that fit (a row refused is not
counted): `repayment_problems` answers for all of them in O(n log n).

>>> ledger = [(dt.date(2003, 4, 1), Decimal("100.00")), (dt.date(2003, 4, 5), Decimal("-30.00"))]
>>> file = repayments_frame([(dt.date(2003, 4, 2), Decimal("60.00")),
...     (dt.date(2003, 4, 3), Decimal("20.00"))])
>>> repayment_problems(file, ledger=ledger, today=dt.date(2003, 4, 7))
([RepaymentProblem(index=1, field='amount', message='20.00 would take the balance below zero (to (10.00)); the outstanding on 2003-04-03 is 40.00')], 0)
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from abl.calc.money import from_cents, money_text, to_cents


@dataclass(frozen=True)
class RepaymentProblem:
    """The repayment at `index` (0-based, in the order given) cannot be recorded: why."""

    index: int
    field: str  # "amount" or "value_date"
    message: str


def repayments_frame(repayments: Iterable[tuple[dt.date, Decimal]]) -> pl.DataFrame:
    """(value date, amount received) pairs as `repayment_problems` takes them."""
    dates, amounts = [], []
    for value_date, amount in repayments:
        dates.append(value_date)
        amounts.append(to_cents(amount))
    return pl.DataFrame(
        {"value_date": dates, "amount_cents": amounts},
        schema={"value_date": pl.Date, "amount_cents": pl.Int64},
    )


def repayment_problems(
    repayments: pl.DataFrame,
    *,
    ledger: Iterable[tuple[dt.date, Decimal]],
    today: dt.date,
    limit: int | None = None,
) -> tuple[list[RepaymentProblem], int]:
    """The repayments that cannot be recorded, in order: the first `limit` (all when None),
    and how many more there are.

    `repayments` has a row a repayment, in order: `value_date` (Date) and
    `amount_cents` (Int64, received). `ledger` is the entries already written,
    signed (value date, amount), in any order, grouped by day or not. A file that
    fits whole is answered by one pass over its days (`_all_fit`); only one with
    a problem is walked row by row.
    """
    ledger_frame = pl.DataFrame(
        {
            "value_date": [day for day, _ in ledger],
            "cents": [to_cents(amount) for _, amount in ledger],
        },
        schema={"value_date": pl.Date, "cents": pl.Int64},
    )
    if _all_fit(repayments, ledger_frame, today):
        return [], 0
    days = (
        pl.concat([ledger_frame, repayments.select("value_date", cents=pl.lit(0, pl.Int64))])
        .group_by("value_date")
        .agg(pl.col("cents").sum())
        .sort("value_date")
        .with_columns(balance=pl.col("cents").cum_sum())
    )
    place = {day: position for position, day in enumerate(days["value_date"])}
    timeline = _Timeline(days["balance"].to_list())
    problems: list[RepaymentProblem] = []
    more = 0
    rows = zip(repayments["value_date"], repayments["amount_cents"], strict=True)
    for index, (value_date, amount) in enumerate(rows):
        if amount > 0 and value_date <= today:
            lowest = timeline.lowest_from(place[value_date]) - amount
            if lowest >= 0:
                timeline.add_from(place[value_date], -amount)
                continue
        if limit is not None and len(problems) >= limit:
            more += 1
        elif amount <= 0:
            money = money_text(from_cents(amount))
            problems.append(RepaymentProblem(index, "amount", f"must be more than zero: {money}"))
        elif value_date > today:
            message = f"{value_date} is after today's business date {today}"
            problems.append(RepaymentProblem(index, "value_date", message))
        else:
            problems.append(
                RepaymentProblem(
                    index,
                    "amount",
                    f"{money_text(from_cents(amount))} would take the balance below zero "
                    f"(to {money_text(from_cents(lowest))}); the outstanding on {value_date} "
                    f"is {money_text(from_cents(timeline.at(place[value_date])))}",
                )
            )
    return problems, more


def _all_fit(repayments: pl.DataFrame, ledger: pl.DataFrame, today: dt.date) -> bool:
    """Whether every repayment fits, judged from the ledger with all of them written.

    Each row counts only the rows before it, but every amount lowers the balance
    from its value date on, so the balances a row is checked against are never
    lower than the final ones from its value date on; and where the final balance
    is below zero on a day, the last row (in order) valued on or before that day
    met that balance when it was checked. So all fit exactly when each is more than
    zero and not after `today`, and the final balance is not below zero on any day
    from the earliest value date on.
    """
    if repayments.is_empty():
        return True
    dates, amounts = repayments["value_date"], repayments["amount_cents"]
    if (amounts <= 0).any() or (dates > today).any():
        return False
    lowest = (
        pl.concat([ledger, repayments.select("value_date", cents=-pl.col("amount_cents"))])
        .group_by("value_date")
        .agg(pl.col("cents").sum())
        .sort("value_date")
        .select(pl.col("cents").cum_sum().filter(pl.col("value_date") >= dates.min()).min())
        .item()
    )
    return lowest is None or lowest >= 0


class _Timeline:
    """End-of-day balances in cents on fixed days: add to every day from one on, and the
    lowest balance from one on, each in O(log n). A segment tree of minimums whose inner
    nodes hold what was added to all their days and is not yet handed down."""

    def __init__(self, balances: Sequence[int]) -> None:
        self.size = len(balances)
        self.height = self.size.bit_length()
        self.low = [0] * self.size + list(balances)  # a node: the lowest balance of its days
        self.added = [0] * self.size  # an inner node: added to all its days, not handed down
        for node in range(self.size - 1, 0, -1):
            self.low[node] = min(self.low[2 * node], self.low[2 * node + 1])

    def add_from(self, start: int, amount: int) -> None:
        """Add `amount` to the balance of day `start` and of every later day."""
        left, right = start + self.size, 2 * self.size
        first, last = left, right - 1
        while left < right:
            if left & 1:
                self._add(left, amount)
                left += 1
            if right & 1:
                right -= 1
                self._add(right, amount)
            left, right = left // 2, right // 2
        self._settle(first)
        self._settle(last)

    def lowest_from(self, start: int) -> int:
        """The lowest balance of day `start` and of every later day."""
        left, right = start + self.size, 2 * self.size
        self._hand_down(left)
        self._hand_down(right - 1)
        lowest = self.low[left]
        while left < right:
            if left & 1:
                lowest = min(lowest, self.low[left])
                left += 1
            if right & 1:
                right -= 1
                lowest = min(lowest, self.low[right])
            left, right = left // 2, right // 2
        return lowest

    def at(self, day: int) -> int:
        """The balance of day `day`."""
        self._hand_down(day + self.size)
        return self.low[day + self.size]

    def _add(self, node: int, amount: int) -> None:
        self.low[node] += amount
        if node < self.size:
            self.added[node] += amount

    def _settle(self, node: int) -> None:
        """Recompute the lowest balance of each node above `node`."""
        node //= 2
        while node >= 1:
            self.low[node] = min(self.low[2 * node], self.low[2 * node + 1]) + self.added[node]
            node //= 2

    def _hand_down(self, node: int) -> None:
        """Hand what each node above `node` added down to its children, from the top."""
        for shift in range(self.height, 0, -1):
            above = node >> shift
            if above and self.added[above]:
                self._add(2 * above, self.added[above])
                self._add(2 * above + 1, self.added[above])
                self.added[above] = 0
