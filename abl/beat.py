"""Beat's scheduler (CELERY_BEAT_SCHEDULER): django-celery-beat's, which first puts the
configured schedule back as written (abl.services.schedule.ensure_beat_schedule)."""

from django_celery_beat.schedulers import DatabaseScheduler


class Scheduler(DatabaseScheduler):
    def setup_schedule(self) -> None:
        from abl.services.schedule import ensure_beat_schedule

        ensure_beat_schedule(schedule=self.app.conf.beat_schedule)
        super().setup_schedule()
