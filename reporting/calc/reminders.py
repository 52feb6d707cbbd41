"""Reminders of a report still open: before, on and after its due date.

Each kind is sent once per report; the nightly close sends the latest kind
whose day has come (a reminder whose day passed while a later one is due is
not sent late). With 3 days before and 1 day after, a report due Wednesday
2003-04-09 is reminded on the Sunday, the Wednesday and the Thursday:

>>> [d.isoformat() for d in reminder_dates(dt.date(2003, 4, 9), days_before=3, days_after=1).values()]
['2003-04-06', '2003-04-09', '2003-04-10']
>>> reminder_due(dt.date(2003, 4, 9), on=dt.date(2003, 4, 8), days_before=3, days_after=1)
'before'
>>> reminder_due(dt.date(2003, 4, 9), on=dt.date(2003, 4, 12), days_before=3, days_after=1)
'after'
>>> reminder_due(dt.date(2003, 4, 9), on=dt.date(2003, 4, 5), days_before=3, days_after=1) is None
True
"""

import datetime as dt
from typing import Literal

ReminderKind = Literal["before", "on", "after"]
REMINDER_KINDS: tuple[ReminderKind, ...] = ("before", "on", "after")


def reminder_dates(
    due_on: dt.date, *, days_before: int, days_after: int
) -> dict[ReminderKind, dt.date]:
    """The day each reminder of a report due on `due_on` is sent."""
    if days_before < 1 or days_after < 1:
        raise ValueError("reminders come at least one day before and after the due date")
    return {
        "before": due_on - dt.timedelta(days=days_before),
        "on": due_on,
        "after": due_on + dt.timedelta(days=days_after),
    }


def reminder_due(
    due_on: dt.date, *, on: dt.date, days_before: int, days_after: int
) -> ReminderKind | None:
    """The reminder to send on `on` for an open report due `due_on`: the latest whose day has come."""
    dates = reminder_dates(due_on, days_before=days_before, days_after=days_after)
    come = [kind for kind in REMINDER_KINDS if dates[kind] <= on]
    return come[-1] if come else None
