"""The loan ledger's arithmetic, live availability and the rules of an advance (§5–§7). Pure.

The outstanding balance on a date is the sum of the ledger's entries whose
value date is on or before it; entries are signed (an advance raises the
balance, a repayment lowers it).

>>> entries = [(dt.date(2003, 4, 1), Decimal("5000000.00")), (dt.date(2003, 4, 9), Decimal("-250000.00"))]
>>> balance_on(entries, dt.date(2003, 4, 8))
Decimal('5000000.00')
>>> balance_on(entries, dt.date(2003, 4, 9))
Decimal('4750000.00')
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from abl.calc.due import DueRules
from abl.calc.frequency import Frequency, reporting_frequency
from abl.calc.money import ZERO, money_text, pct_display


def balance_on(entries: Iterable[tuple[dt.date, Decimal]], on: dt.date) -> Decimal:
    """The outstanding balance at the end of `on`: every entry valued on or before it
    (`balances_on` for one date)."""
    return balances_on(entries, [on])[on]


@dataclass(frozen=True)
class RunningBalance:
    """One ledger entry and the balance after it, in the ledger's order (`running_balances`)."""

    value_date: dt.date
    seq: int
    amount: Decimal
    balance: Decimal


def running_balances(entries: Iterable[tuple[dt.date, int, Decimal]]) -> list[RunningBalance]:
    """The ledger's running balance (§7): entries ordered by value date, then by recording
    order (`seq`), each with the sum of itself and every entry before it in that order.

    An entry recorded late but valued earlier takes its place by its value date, so each
    running balance is the balance that was owed at that point of that day.

    >>> [(r.seq, str(r.balance)) for r in running_balances([
    ...     (dt.date(2003, 3, 3), 1, Decimal("100.00")),
    ...     (dt.date(2003, 3, 10), 2, Decimal("-40.00")),
    ...     (dt.date(2003, 2, 28), 3, Decimal("5.00"))])]
    [(3, '5.00'), (1, '105.00'), (2, '65.00')]
    """
    rows, balance = [], ZERO
    for value_date, seq, amount in sorted(entries, key=lambda e: (e[0], e[1])):
        balance += amount
        rows.append(RunningBalance(value_date, seq, amount, balance))
    return rows


def _in_recording_order(
    entries: Iterable[tuple[dt.date, Decimal]],
) -> list[tuple[dt.date, int, Decimal]]:
    return [(value_date, seq, amount) for seq, (value_date, amount) in enumerate(entries, 1)]


def balances_on(
    entries: Iterable[tuple[dt.date, Decimal]], dates: Iterable[dt.date]
) -> dict[dt.date, Decimal]:
    """The balance at the end of each of `dates`: the running balance after the last entry
    valued on or before it (zero before the first).

    >>> balances_on([(dt.date(2003, 4, 1), Decimal("10.00")), (dt.date(2003, 4, 3),
    ...     Decimal("-4.00"))], [dt.date(2003, 3, 31), dt.date(2003, 4, 2), dt.date(2003, 4, 3)])
    {datetime.date(2003, 3, 31): Decimal('0.00'), datetime.date(2003, 4, 2): Decimal('10.00'), datetime.date(2003, 4, 3): Decimal('6.00')}
    """
    running = running_balances(_in_recording_order(entries))
    found: dict[dt.date, Decimal] = {}
    at, balance = 0, ZERO
    for day in sorted(set(dates)):
        while at < len(running) and running[at].value_date <= day:
            balance = running[at].balance
            at += 1
        found[day] = balance
    return found


@dataclass(frozen=True)
class DailyBalance:
    """One day of the ledger with a movement: what moved and the balance at its end."""

    day: dt.date
    movement: Decimal
    balance: Decimal


def daily_balances(entries: Iterable[tuple[dt.date, Decimal]]) -> list[DailyBalance]:
    """The balance at the end of each day with an entry, in date order: the running balance
    after the day's last entry.

    >>> [(d.day.isoformat(), str(d.balance)) for d in daily_balances(
    ...     [(dt.date(2003, 4, 2), Decimal("-5.00")), (dt.date(2003, 4, 1), Decimal("10.00")),
    ...      (dt.date(2003, 4, 2), Decimal("1.00"))])]
    [('2003-04-01', '10.00'), ('2003-04-02', '6.00')]
    """
    days: list[DailyBalance] = []
    for row in running_balances(_in_recording_order(entries)):
        if days and days[-1].day == row.value_date:
            last = days.pop()
            days.append(DailyBalance(row.value_date, last.movement + row.amount, row.balance))
        else:
            days.append(DailyBalance(row.value_date, row.amount, row.balance))
    return days


def lowest_balance_from(entries: Iterable[tuple[dt.date, Decimal]], start: dt.date) -> Decimal:
    """The lowest end-of-day balance from `start` on (a repayment may not take any below zero).

    >>> lowest_balance_from([(dt.date(2003, 4, 1), Decimal("10.00")),
    ...     (dt.date(2003, 4, 5), Decimal("-4.00"))], dt.date(2003, 4, 2))
    Decimal('6.00')
    """
    entries = list(entries)
    lowest = balance_on(entries, start)
    for day in daily_balances(entries):
        if day.day > start:
            lowest = min(lowest, day.balance)
    return lowest


@dataclass(frozen=True)
class Availability:
    """Excess availability (§5) from an approved certificate's line cap and the ledger.

    Checks its own arithmetic: excess = line cap − outstanding, the percentage
    divides by the basis (0 when it is 0), the frequency follows §6.
    """

    borrowing_base: Decimal
    reserves: Decimal
    line_cap: Decimal
    commitment: Decimal
    outstanding: Decimal
    excess_availability: Decimal
    excess_availability_pct: Decimal  # unrounded
    basis: str  # "line_cap" or "commitment"
    threshold_pct: Decimal
    reporting_frequency: Frequency

    def __post_init__(self) -> None:
        if self.excess_availability != excess_availability(
            line_cap=self.line_cap, outstanding=self.outstanding
        ):
            raise ValueError("excess availability must be line cap − outstanding")
        if self.line_cap > self.borrowing_base or self.line_cap > self.commitment:
            raise ValueError("the line cap is at most the borrowing base and the commitment")
        divisor = self.line_cap if self.basis == "line_cap" else self.commitment
        expected = self.excess_availability / divisor if divisor != 0 else Decimal(0)
        if self.excess_availability_pct != expected:
            raise ValueError("excess availability % must divide by the basis")
        if self.reporting_frequency != reporting_frequency(
            self.excess_availability_pct, self.threshold_pct
        ):
            raise ValueError("the reporting frequency must follow §6")

    @property
    def frequency_reason(self) -> str:
        """Why the frequency is what it is: the figures against the threshold.

        >>> availability(borrowing_base=Decimal(100), reserves=ZERO, line_cap=Decimal(100),
        ...     commitment=Decimal(200), outstanding=Decimal(85), basis="line_cap",
        ...     threshold_pct=Decimal("0.15")).frequency_reason
        'Excess availability of 15.00 is 15.00% of the line cap (100.00): not above the 15.00% threshold, so weekly.'
        """
        divisor = self.line_cap if self.basis == "line_cap" else self.commitment
        basis = "the line cap" if self.basis == "line_cap" else "the commitment"
        above = "above" if self.reporting_frequency == "monthly" else "not above"
        return (
            f"Excess availability of {money_text(self.excess_availability)} is "
            f"{_percent(self.excess_availability_pct)} of {basis} ({money_text(divisor)}): "
            f"{above} the {_percent(self.threshold_pct)} threshold, so {self.reporting_frequency}."
        )

    def after(self, amount: Decimal) -> "Availability":
        """The same availability with `amount` more outstanding (an advance)."""
        return availability(
            borrowing_base=self.borrowing_base,
            reserves=self.reserves,
            line_cap=self.line_cap,
            commitment=self.commitment,
            outstanding=self.outstanding + amount,
            basis=self.basis,
            threshold_pct=self.threshold_pct,
        )


def excess_availability(*, line_cap: Decimal, outstanding: Decimal) -> Decimal:
    """Excess availability (§5): the line cap less the outstanding balance (negative = over-advance).

    >>> excess_availability(line_cap=Decimal("8500000.00"), outstanding=Decimal("9000000.00"))
    Decimal('-500000.00')
    """
    return line_cap - outstanding


def _percent(fraction: Decimal) -> str:
    return f"{pct_display(fraction) * 100:.2f}%"


def availability(
    *,
    borrowing_base: Decimal,
    reserves: Decimal,
    line_cap: Decimal,
    commitment: Decimal,
    outstanding: Decimal,
    basis: str,
    threshold_pct: Decimal,
) -> Availability:
    """Excess availability and the frequency it implies.

    >>> a = availability(borrowing_base=Decimal("8500000"), reserves=ZERO,
    ...     line_cap=Decimal("8500000"), commitment=Decimal("40000000"),
    ...     outstanding=Decimal("7225000"), basis="line_cap", threshold_pct=Decimal("0.15"))
    >>> a.excess_availability, a.excess_availability_pct, a.reporting_frequency
    (Decimal('1275000'), Decimal('0.15'), 'weekly')
    """
    excess = excess_availability(line_cap=line_cap, outstanding=outstanding)
    divisor = line_cap if basis == "line_cap" else commitment
    pct = excess / divisor if divisor != 0 else Decimal(0)
    return Availability(
        borrowing_base=borrowing_base,
        reserves=reserves,
        line_cap=line_cap,
        commitment=commitment,
        outstanding=outstanding,
        excess_availability=excess,
        excess_availability_pct=pct,
        basis=basis,
        threshold_pct=threshold_pct,
        reporting_frequency=reporting_frequency(pct, threshold_pct),
    )


def current_until(
    as_of: dt.date, *, frequency: Frequency, rules: DueRules, since: dt.date | None = None
) -> dt.date:
    """The last day a certificate as of `as_of` is current (§7): the day the next certificate
    owed after it falls due, by the one rule of what is due next (abl.calc.due).

    Owed are the periods falling due on or after `since`, the day the frequency took
    effect: after a switch to weekly the approved certificate stays current until the
    first weekly certificate falls due, and is stale the day after.

    >>> rules = DueRules(15, "wednesday", 30)
    >>> current_until(dt.date(2003, 3, 31), frequency="monthly", rules=rules)
    datetime.date(2003, 5, 15)
    >>> current_until(dt.date(2003, 4, 4), frequency="weekly", rules=rules)
    datetime.date(2003, 4, 16)
    >>> current_until(dt.date(2003, 3, 31), frequency="weekly", rules=rules,
    ...     since=dt.date(2003, 4, 10))  # switched to weekly on Thursday the 10th
    datetime.date(2003, 4, 16)
    """
    owed_from = as_of if since is None else max(since, as_of)
    return rules.next_due(
        "certificate", frequency, owed_from=owed_from, received_through=as_of
    ).due_on


def certificate_stale(
    as_of: dt.date,
    *,
    on: dt.date,
    frequency: Frequency,
    rules: DueRules,
    since: dt.date | None = None,
) -> bool:
    """Stale (§7): past the day its next certificate fell due, on the business date `on`.

    >>> rules = DueRules(15, "wednesday", 30)
    >>> certificate_stale(dt.date(2003, 3, 31), on=dt.date(2003, 5, 15), frequency="monthly",
    ...     rules=rules)
    False
    >>> certificate_stale(dt.date(2003, 3, 31), on=dt.date(2003, 5, 16), frequency="monthly",
    ...     rules=rules)
    True
    """
    return on > current_until(as_of, frequency=frequency, rules=rules, since=since)


def advance_refusal(
    *,
    amount: Decimal,
    value_date: dt.date,
    on: dt.date,
    maturity_date: dt.date,
    in_default_since: dt.date | None,
    certificate_as_of: dt.date | None,
    current_until: dt.date | None,
    committed: Availability | None,
) -> str | None:
    """Why an advance cannot be approved on the business date `on`, or None when it can.

    `committed` is the availability with every entry of the ledger counted,
    whatever its value date (an advance approved for next week is money
    promised now); the advance must leave its excess at zero or more.
    """
    if amount <= 0:
        return f"An advance must be more than zero (asked: {money_text(amount)})."
    if on > maturity_date or value_date > maturity_date:
        return f"The facility matured on {maturity_date}: no advance after maturity."
    if in_default_since is not None and in_default_since <= on:
        return f"The facility is in default since {in_default_since}: no advance is made."
    if value_date < on:
        return f"The value date {value_date} is before today's business date {on}."
    if certificate_as_of is None or committed is None or current_until is None:
        return "No borrowing base certificate is approved yet: there is no availability."
    if on > current_until:
        return (
            f"The latest approved certificate, as of {certificate_as_of}, is stale "
            f"(current until {current_until}): a new one must be approved first."
        )
    after = committed.excess_availability - amount
    if after < 0:
        return (
            f"The advance of {money_text(amount)} would take excess availability below zero: "
            f"{money_text(committed.excess_availability)} available, {money_text(after)} after."
        )
    return None
