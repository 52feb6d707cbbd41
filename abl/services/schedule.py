"""The beat schedule as django-celery-beat keeps it: config/celery.py's entries, each running.

Beat reads its schedule from the database (DatabaseScheduler). On start it
writes config/celery.py's entries there, but keeps a row's `enabled`, `one_off`,
`expires` and `start_time` as they were: a task turned off in the database
(the nightly audit check, say) stayed off across restarts. `ensure_beat_schedule`,
run by beat as it starts (abl/beat.py), puts every entry back as written and
records the ones it found turned off. The admin shows the schedule read-only.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from abl.audit import record

# How a task of config/celery.py's schedule is kept: on, repeating, never expiring, started.
RUNNING: dict[str, Any] = {"enabled": True, "one_off": False, "expires": None, "start_time": None}


@transaction.atomic
def ensure_beat_schedule(*, schedule: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Write each entry of `schedule` to the database, running; return the names restored.

    Run twice, the second run finds nothing to restore and records nothing.
    """
    from django_celery_beat.models import PeriodicTask, PeriodicTasks
    from django_celery_beat.schedulers import ModelEntry

    restored: dict[str, dict[str, str | None]] = {}
    for name, entry in schedule.items():
        ModelEntry.from_entry(name, **entry)  # the task, its schedule, arguments and options
        task = PeriodicTask.objects.select_for_update().get(name=name)
        wrong = {f: getattr(task, f) for f, value in RUNNING.items() if getattr(task, f) != value}
        if wrong:
            PeriodicTask.objects.filter(pk=task.pk).update(**RUNNING)
            restored[name] = {f: None if v is None else str(v) for f, v in wrong.items()}
    if restored:
        PeriodicTasks.update_changed()  # beat re-reads the schedule
        record(
            actor=None,
            action="schedule.restored",
            object_id=",".join(sorted(restored)),
            summary=f"Scheduled tasks put back to run as configured: {', '.join(sorted(restored))}",
            changes={"found": restored},
        )
    return sorted(restored)
