"""What is due when, §6 of the rules: certificates and financial statements. One rule for
every page, command and e-mail that names a due date or "next due".

A reporting period is named by the date it ends (the certificate's as-of date):

- monthly certificate: each month end, due `monthly_due_days` (15) days after it;
- weekly certificate: each week ending Friday, due the next `weekly_due_weekday`
  (Wednesday) after it;
- financial statements: each month end, due `financials_due_days` (30) days after it;
- a due date on a Saturday or a Sunday rolls to the Monday after.

A period is received when its report is submitted: a certificate as of a date
covers every period ending on or before it, a statement its own month. Only the
periods falling due on or after the day the frequency took effect (the switch)
are owed. What is due next is the oldest period owed and not received, overdue
or not: never one already received.

>>> rules = DueRules(monthly_due_days=15, weekly_due_weekday="wednesday", financials_due_days=30)
>>> rules.first_due_from("certificate", "monthly", dt.date(2003, 4, 7))
Due(kind='certificate', frequency='monthly', period_end=datetime.date(2003, 3, 31), due_on=datetime.date(2003, 4, 15))
>>> rules.due_for("certificate", "monthly", dt.date(2003, 5, 31)).due_on  # the 15th is a Sunday
datetime.date(2003, 6, 16)
>>> rules.next_due("certificate", "monthly", owed_from=dt.date(2003, 4, 7),
...                received_through=dt.date(2003, 3, 31)).period_end  # March is in: April's
datetime.date(2003, 4, 30)
"""

import calendar
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from abl.calc.frequency import Frequency

Kind = Literal["certificate", "financials"]
KINDS: tuple[Kind, ...] = ("certificate", "financials")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FRIDAY = 4
SATURDAY = 5


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


def weekday_on_or_after(day: dt.date) -> dt.date:
    """`day`, or the Monday after when it falls on a weekend: where a due date rolls.

    >>> weekday_on_or_after(dt.date(2003, 3, 15)), weekday_on_or_after(dt.date(2003, 3, 17))
    (datetime.date(2003, 3, 17), datetime.date(2003, 3, 17))
    """
    if day.weekday() >= SATURDAY:
        return day + dt.timedelta(days=7 - day.weekday())
    return day


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
    """When the certificate for the period ending `period_end` is due (a weekend rolled on).

    >>> certificate_due_on(dt.date(2003, 4, 4), "weekly", monthly_due_days=15,
    ...     weekly_due_weekday="wednesday")
    datetime.date(2003, 4, 9)
    >>> certificate_due_on(dt.date(2003, 2, 28), "monthly", monthly_due_days=15,
    ...     weekly_due_weekday="wednesday")  # 15 March 2003 is a Saturday
    datetime.date(2003, 3, 17)
    """
    if frequency == "monthly":
        return weekday_on_or_after(period_end + dt.timedelta(days=monthly_due_days))
    if frequency != "weekly":
        raise ValueError(f"no such reporting frequency: {frequency!r}")
    after = (WEEKDAYS.index(weekly_due_weekday) - period_end.weekday()) % 7 or 7
    return weekday_on_or_after(period_end + dt.timedelta(days=after))


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
        >>> rules.due_for("financials", None, dt.date(2003, 1, 31)).due_on  # 2 March: a Sunday
        datetime.date(2003, 3, 3)
        """
        if kind == "financials":
            due_on = weekday_on_or_after(period_end + dt.timedelta(self.financials_due_days))
            return Due(kind, "", period_end, due_on)
        if frequency not in ("monthly", "weekly"):
            raise ValueError(f"no such reporting frequency: {frequency!r}")
        due_on = certificate_due_on(
            period_end,
            frequency,
            monthly_due_days=self.monthly_due_days,
            weekly_due_weekday=self.weekly_due_weekday,
        )
        return Due(kind, frequency, period_end, due_on)

    def following(self, due: Due) -> Due:
        """The report for the period after `due`'s.

        >>> rules = DueRules(15, "wednesday", 30)
        >>> rules.following(rules.due_for("certificate", "weekly", dt.date(2003, 4, 4))).period_end
        datetime.date(2003, 4, 11)
        """
        frequency: Frequency = due.frequency or "monthly"
        return self.due_for(
            due.kind, due.frequency or None, period_end_after(due.period_end, frequency)
        )

    def first_due_from(self, kind: Kind, frequency: Frequency | None, start: dt.date) -> Due:
        """The earliest report of the kind falling due on or after `start`.

        >>> DueRules(15, "wednesday", 30).first_due_from("certificate", "monthly", dt.date(2003, 4, 16))
        Due(kind='certificate', frequency='monthly', period_end=datetime.date(2003, 4, 30), due_on=datetime.date(2003, 5, 15))
        """
        # A report falls due at most its due days, or a week, plus a weekend after its period:
        # begin with the first period ending after that much before `start`.
        longest = max(self.monthly_due_days, self.financials_due_days, 7) + 2
        due = self.due_for(
            kind,
            frequency,
            period_end_after(start - dt.timedelta(days=longest + 1), frequency or "monthly"),
        )
        while due.due_on < start:
            due = self.following(due)
        return due

    def schedule(
        self, kind: Kind, frequency: Frequency | None, *, start: dt.date, on: dt.date
    ) -> list[Due]:
        """Every report falling due from `start` up to the next one due on or after `on`, oldest first.

        >>> rules = DueRules(15, "wednesday", 30)
        >>> [d.due_on.isoformat() for d in rules.schedule("certificate", "weekly", start=dt.date(2003, 4, 7), on=dt.date(2003, 4, 17))]
        ['2003-04-09', '2003-04-16', '2003-04-23']
        """
        items = [self.first_due_from(kind, frequency, start)]
        while items[-1].due_on < on:
            items.append(self.following(items[-1]))
        return items

    def next_due(
        self,
        kind: Kind,
        frequency: Frequency | None,
        *,
        owed_from: dt.date,
        received_through: dt.date | None = None,
        received: Collection[dt.date] = (),
    ) -> Due:
        """What is due next (§6): the oldest period owed and not received, overdue or not.

        Owed: falling due on or after `owed_from` (the day this frequency took effect, or
        the calendar started). Received: ending on or before `received_through` (the latest
        submitted certificate's as-of date covers every period up to it), or in `received`
        (the periods whose statements were submitted).

        >>> rules = DueRules(15, "wednesday", 30)
        >>> rules.next_due("certificate", "weekly", owed_from=dt.date(2003, 4, 10),
        ...                received_through=dt.date(2003, 3, 31)).due_on  # switched on the 10th
        datetime.date(2003, 4, 16)
        >>> rules.next_due("financials", None, owed_from=dt.date(2003, 4, 7),
        ...                received=[dt.date(2003, 3, 31)]).period_end
        datetime.date(2003, 4, 30)
        """
        due = self.first_due_from(kind, frequency, owed_from)
        while (
            received_through is not None and due.period_end <= received_through
        ) or due.period_end in received:
            due = self.following(due)
        return due
