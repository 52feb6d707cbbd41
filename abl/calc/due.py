"""What is due when, §6 of the rules: certificates and financial statements.

A reporting period is named by the date it ends (the certificate's as-of date):

- monthly certificate: each month end, due `monthly_due_days` (15) days after it;
- weekly certificate: each week ending Friday, due the next `weekly_due_weekday`
  (Wednesday) after it;
- financial statements: each month end, due `financials_due_days` (30) days after it.

>>> schedule = DueRules(monthly_due_days=15, weekly_due_weekday="wednesday", financials_due_days=30)
>>> schedule.next_due("certificate", "monthly", on=dt.date(2003, 4, 7))
Due(kind='certificate', frequency='monthly', period_end=datetime.date(2003, 3, 31), due_on=datetime.date(2003, 4, 15))
>>> schedule.next_due("certificate", "weekly", on=dt.date(2003, 4, 7))
Due(kind='certificate', frequency='weekly', period_end=datetime.date(2003, 4, 4), due_on=datetime.date(2003, 4, 9))
>>> schedule.next_due("financials", None, on=dt.date(2003, 4, 7))
Due(kind='financials', frequency='', period_end=datetime.date(2003, 3, 31), due_on=datetime.date(2003, 4, 30))
"""

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from abl.calc.frequency import Frequency

Kind = Literal["certificate", "financials"]
KINDS: tuple[Kind, ...] = ("certificate", "financials")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FRIDAY = 4


@dataclass(frozen=True)
class Due:
    """One thing due: what, for which period (its end), and by when."""

    kind: Kind
    frequency: Frequency | Literal[""]
    period_end: dt.date
    due_on: dt.date

    def __post_init__(self) -> None:
        if self.due_on <= self.period_end:
            raise ValueError("a report falls due after its period ends")
        if (self.kind == "certificate") != (self.frequency != ""):
            raise ValueError("a certificate has a frequency; financial statements have none")


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month.

    >>> month_end(dt.date(2004, 2, 3))
    datetime.date(2004, 2, 29)
    """
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month_end(day: dt.date) -> dt.date:
    """The last month end before `day` (the day before the first of its month).

    >>> previous_month_end(dt.date(2003, 4, 7))
    datetime.date(2003, 3, 31)
    """
    return day.replace(day=1) - dt.timedelta(days=1)


def previous_friday(day: dt.date) -> dt.date:
    """The last Friday strictly before `day`.

    >>> previous_friday(dt.date(2003, 4, 9)), previous_friday(dt.date(2003, 4, 4))
    (datetime.date(2003, 4, 4), datetime.date(2003, 3, 28))
    """
    back = (day.weekday() - FRIDAY) % 7 or 7
    return day - dt.timedelta(days=back)


def period_end_after(day: dt.date, frequency: Frequency) -> dt.date:
    """The end of the first reporting period ending after `day`: a month end, or a Friday.

    >>> period_end_after(dt.date(2003, 3, 31), "monthly"), period_end_after(dt.date(2003, 3, 15), "monthly")
    (datetime.date(2003, 4, 30), datetime.date(2003, 3, 31))
    >>> period_end_after(dt.date(2003, 4, 4), "weekly"), period_end_after(dt.date(2003, 4, 9), "weekly")
    (datetime.date(2003, 4, 11), datetime.date(2003, 4, 11))
    """
    if frequency == "weekly":
        return day + dt.timedelta(days=(FRIDAY - day.weekday()) % 7 or 7)
    return month_end(day + dt.timedelta(days=1))


def certificate_due_on(
    period_end: dt.date, frequency: Frequency, *, monthly_due_days: int, weekly_due_weekday: str
) -> dt.date:
    """When the certificate for the period ending `period_end` is due.

    >>> certificate_due_on(dt.date(2003, 4, 4), "weekly", monthly_due_days=15,
    ...     weekly_due_weekday="wednesday")
    datetime.date(2003, 4, 9)
    """
    if frequency == "monthly":
        return period_end + dt.timedelta(days=monthly_due_days)
    if frequency != "weekly":
        raise ValueError(f"no such reporting frequency: {frequency!r}")
    after = (WEEKDAYS.index(weekly_due_weekday) - period_end.weekday()) % 7 or 7
    return period_end + dt.timedelta(days=after)


@dataclass(frozen=True)
class DueRules:
    """The `reporting` section of the terms, as far as due dates go."""

    monthly_due_days: int
    weekly_due_weekday: str
    financials_due_days: int

    def __post_init__(self) -> None:
        if self.weekly_due_weekday not in WEEKDAYS:
            raise ValueError(f"not a day of the week: {self.weekly_due_weekday!r}")
        if self.monthly_due_days < 1 or self.financials_due_days < 1:
            raise ValueError("a report falls due at least one day after its period ends")

    def due_for(self, kind: Kind, frequency: Frequency | None, period_end: dt.date) -> Due:
        """The due date of the report for the period ending `period_end`.

        >>> rules = DueRules(15, "wednesday", 30)
        >>> rules.due_for("certificate", "weekly", dt.date(2003, 4, 4)).due_on  # a Friday
        datetime.date(2003, 4, 9)
        """
        if kind == "financials":
            return Due(kind, "", period_end, period_end + dt.timedelta(self.financials_due_days))
        if frequency not in ("monthly", "weekly"):
            raise ValueError(f"no such reporting frequency: {frequency!r}")
        due_on = certificate_due_on(
            period_end,
            frequency,
            monthly_due_days=self.monthly_due_days,
            weekly_due_weekday=self.weekly_due_weekday,
        )
        return Due(kind, frequency, period_end, due_on)

    def periods(
        self, kind: Kind, frequency: Frequency | None, *, ending_before: dt.date
    ) -> Iterator[Due]:
        """Every period of the kind, newest first, ending strictly before `ending_before`."""
        monthly = kind == "financials" or frequency == "monthly"
        end = previous_month_end(ending_before) if monthly else previous_friday(ending_before)
        while True:
            yield self.due_for(kind, frequency, end)
            end = previous_month_end(end) if monthly else end - dt.timedelta(days=7)

    def next_due(self, kind: Kind, frequency: Frequency | None, *, on: dt.date) -> Due:
        """The earliest period whose due date is on or after `on`.

        >>> DueRules(15, "wednesday", 30).next_due("certificate", "monthly", on=dt.date(2003, 4, 16))
        Due(kind='certificate', frequency='monthly', period_end=datetime.date(2003, 4, 30), due_on=datetime.date(2003, 5, 15))
        """
        # Periods ending up to two months after `on` cover every rule's due days.
        horizon = month_end(month_end(on) + dt.timedelta(days=1)) + dt.timedelta(days=1)
        found = None
        for due in self.periods(kind, frequency, ending_before=horizon):
            if due.due_on < on:
                break
            found = due
        if found is None:
            raise ValueError("due days longer than two months are not supported")
        return found

    def schedule(
        self, kind: Kind, frequency: Frequency | None, *, start: dt.date, on: dt.date
    ) -> list[Due]:
        """Every report falling due from `start` up to the next one due on or after `on`, oldest first.

        >>> rules = DueRules(15, "wednesday", 30)
        >>> [d.due_on.isoformat() for d in rules.schedule("certificate", "weekly", start=dt.date(2003, 4, 7), on=dt.date(2003, 4, 17))]
        ['2003-04-09', '2003-04-16', '2003-04-23']
        """
        last = self.next_due(kind, frequency, on=max(start, on))
        items = []
        for due in self.periods(kind, frequency, ending_before=last.period_end + dt.timedelta(1)):
            if due.due_on < start:
                break
            items.append(due)
        return items[::-1]
