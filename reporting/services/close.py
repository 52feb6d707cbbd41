"""The nightly close of business (§1, §6): the business date's pass over every facility.

Beat runs `reporting.close_business_day` every night just after midnight in
TIME_ZONE. With `ABL_BUSINESS_DATE` empty the business date follows the
calendar, so by then it has moved to the new day, and the close is that day's
first pass: every facility's frequency re-evaluated on it (cure periods count
their days here), the calendar brought up to it (new periods due, items past
their date overdue) and the day's reminders queued. With `ABL_BUSINESS_DATE`
set the date stands still and the close runs for it again, changing nothing.

One transaction, a fixed number of queries whatever the number of facilities;
run twice for the same date, the second run changes nothing and sends nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from abl import business_date
from abl.outbox import enqueue
from reporting.models import DailyClose
from reporting.services import cadence, notices


@dataclass(frozen=True)
class CloseReport:
    business_date: dt.date
    facilities: int
    switches: list[int]
    reminders: list[tuple[int, str]]


@transaction.atomic
def close_business_day(*, on: dt.date | None = None) -> CloseReport:
    """Re-evaluate every facility on the business date, bring the calendars up to it, remind."""
    on = on or business_date.today()
    measured, switches = cadence.reevaluate_all(on=on)
    reminders = notices.reminders_due(on=on)
    if reminders:
        from reporting.tasks import send_reminder_task

        for item, kind in reminders:
            enqueue(send_reminder_task, item, kind)
    DailyClose.objects.get_or_create(
        business_date=on,
        defaults={
            "facilities": measured,
            "switches": len(switches),
            "reminders": len(reminders),
        },
    )
    return CloseReport(on, measured, [s.pk for s in switches], reminders)
