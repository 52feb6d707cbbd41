"""Celery tasks of the reporting cadence: thin, named, take ids, safe to run twice.

Each has an explicit name and a time limit of its own (docs/reporting.md).
"""

from celery import shared_task

import config.celery  # noqa: F401 - the configured app, current before any task is sent

TIME_LIMIT = 120  # seconds: one facility, or one email
CLOSE_TIME_LIMIT = 1800  # seconds: the nightly pass over every facility


@shared_task(
    name="reporting.reevaluate_frequency",
    time_limit=TIME_LIMIT,
    soft_time_limit=100,
    ignore_result=True,
)
def reevaluate_frequency_task(facility_id: int, trigger: str = "") -> int | None:
    """Re-evaluate one facility's reporting frequency; the switch's id when it changed."""
    from reporting.services import cadence

    switch = cadence.reevaluate_facility(facility_id=facility_id, trigger=trigger)
    return switch.pk if switch is not None else None


@shared_task(name="reporting.notify_frequency_switch", time_limit=TIME_LIMIT, soft_time_limit=100)
def notify_frequency_switch_task(switch_id: int) -> bool:
    """Email the borrower's users and the analysts of a switch, once."""
    from reporting.services import notices

    return notices.notify_frequency_switch(switch_id=switch_id)


@shared_task(name="reporting.send_reminder", time_limit=TIME_LIMIT, soft_time_limit=100)
def send_reminder_task(item_id: int, kind: str) -> bool:
    """Remind of an open due item (before, on or after its due date), once per kind."""
    from reporting.services import notices

    return notices.send_reminder(item_id=item_id, kind=kind) is not None


@shared_task(name="reporting.close_business_day", time_limit=CLOSE_TIME_LIMIT, soft_time_limit=1700)
def close_business_day_task() -> dict[str, object]:
    """From beat, nightly: the close of the business date over every facility."""
    from reporting.services import close

    report = close.close_business_day()
    refresh_positions_task.delay()  # every facility's dashboard line, on the new business date
    return {
        "business_date": report.business_date.isoformat(),
        "facilities": report.facilities,
        "switches": report.switches,
        "reminders": len(report.reminders),
    }


@shared_task(
    name="reporting.refresh_positions",
    time_limit=CLOSE_TIME_LIMIT,
    soft_time_limit=1700,
    ignore_result=True,
)
def refresh_positions_task(facility_ids: list[int] | None = None) -> int:
    """The portfolio dashboard's lines of these facilities (every facility when None)."""
    from reporting.services import positions

    return positions.refresh_positions(facility_ids=facility_ids)
