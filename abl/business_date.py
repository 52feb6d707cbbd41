"""The business date (§1 of the rules): "today" for every rule of the application.

`ABL_BUSINESS_DATE` (YYYY-MM-DD) sets it, as a core banking system keeps its
own date; empty, it is the calendar date in `TIME_ZONE`. Every rule that means
"today" calls `today()`, never the clock.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    """The business date: `ABL_BUSINESS_DATE` when set, else today's date in TIME_ZONE."""
    configured = settings.ABL_BUSINESS_DATE
    if configured:
        return dt.date.fromisoformat(configured)
    return timezone.localdate()


def as_of_problem(as_of: dt.date) -> str | None:
    """Why an as-of date cannot be reported today (it is in the future), or None."""
    business_date = today()
    if as_of > business_date:
        return f"The as-of date {as_of} is after today's business date {business_date}."
    return None


def record_date(on: dt.date | None, at: dt.datetime | None = None) -> str:
    """A date of record as every page, document and message shows it: the business date it
    was recorded on ("2003-04-07"). A record written before its business date was kept shows
    the system time instead, so labelled ("2026-03-01 09:05 system time"); neither: "—"."""
    if on is not None:
        return on.isoformat()
    if at is not None:
        return f"{timezone.localtime(at):%Y-%m-%d %H:%M} system time"
    return "—"
