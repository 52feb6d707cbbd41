"""How often the borrower reports, §6 of the rules.

Monthly while excess availability % is greater than the threshold (15%),
weekly when it is not: exactly 15.00% is weekly. Compared unrounded.

>>> reporting_frequency(Decimal("0.1500"), Decimal("0.15"))
'weekly'
>>> reporting_frequency(Decimal("0.150001"), Decimal("0.15"))
'monthly'

The cure period: a facility reporting weekly goes back to monthly only after
its excess availability has stayed above the line for `cure_days` days. With
cure days 30, above the line since 2003-04-10, it is still weekly on the
29th day and monthly on the 30th:

>>> weekly = Cadence("weekly", dt.date(2003, 4, 7), above_since=dt.date(2003, 4, 10))
>>> next_cadence(weekly, Decimal("0.1501"), on=dt.date(2003, 5, 9), threshold_pct=Decimal("0.15"), cure_days=30)
Cadence(frequency='weekly', since=datetime.date(2003, 4, 7), above_since=datetime.date(2003, 4, 10))
>>> next_cadence(weekly, Decimal("0.1501"), on=dt.date(2003, 5, 10), threshold_pct=Decimal("0.15"), cure_days=30)
Cadence(frequency='monthly', since=datetime.date(2003, 5, 10), above_since=None)
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Frequency = Literal["monthly", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = ("monthly", "weekly")


def reporting_frequency(excess_availability_pct: Decimal, threshold_pct: Decimal) -> Frequency:
    return "monthly" if excess_availability_pct > threshold_pct else "weekly"


@dataclass(frozen=True)
class Cadence:
    """A facility's reporting frequency, since when, and (while weekly) since when it is above the line."""

    frequency: Frequency
    since: dt.date
    above_since: dt.date | None = None

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"no such reporting frequency: {self.frequency!r}")
        if self.above_since is not None and self.frequency != "weekly":
            raise ValueError("only a weekly cadence waits out a cure period")

    def cure_ends(self, cure_days: int) -> dt.date | None:
        """The day monthly reporting resumes if excess availability stays above the line."""
        if self.above_since is None:
            return None
        return self.above_since + dt.timedelta(days=cure_days)


def next_cadence(
    current: Cadence | None,
    excess_availability_pct: Decimal,
    *,
    on: dt.date,
    threshold_pct: Decimal,
    cure_days: int,
) -> Cadence:
    """The cadence after measuring `excess_availability_pct` on `on`.

    The first measurement sets the frequency at once (there is no weekly period
    to cure). Below or at the line: weekly, and the cure clock stops. Above the
    line while weekly: monthly once `cure_days` days have passed since it went
    above (at once with cure days 0).

    >>> next_cadence(None, Decimal("0.20"), on=dt.date(2003, 4, 7), threshold_pct=Decimal("0.15"), cure_days=30)
    Cadence(frequency='monthly', since=datetime.date(2003, 4, 7), above_since=None)
    >>> monthly = Cadence("monthly", dt.date(2003, 4, 7))
    >>> next_cadence(monthly, Decimal("0.15"), on=dt.date(2003, 4, 8), threshold_pct=Decimal("0.15"), cure_days=0)
    Cadence(frequency='weekly', since=datetime.date(2003, 4, 8), above_since=None)
    """
    if cure_days < 0:
        raise ValueError("cure days cannot be negative")
    wanted = reporting_frequency(excess_availability_pct, threshold_pct)
    if current is None:
        return Cadence(wanted, on)
    if wanted == "weekly":
        if current.frequency == "weekly":
            return Cadence("weekly", current.since)
        return Cadence("weekly", on)
    if current.frequency == "monthly":
        return current
    above_since = current.above_since or on
    if above_since > on:  # measured for an earlier date than the last time: start again from it
        above_since = on
    if (on - above_since).days >= cure_days:
        return Cadence("monthly", on)
    return Cadence("weekly", current.since, above_since=above_since)
