"""The Celery application. Tasks live in each app's tasks.py.

The beat schedule is here, not in settings: its crontab schedules import
Celery, which a command that queues nothing (`manage.py borrowing_base`)
should not pay for at start-up.
"""

import os

from celery import Celery
from celery.schedules import crontab

from config.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("abl_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = {
    "sweep-stuck-files": {
        "task": "abl.sweep_stuck_files",
        "schedule": float(env_int("ABL_SWEEP_INTERVAL", default=60)),
    },
    "verify-audit-chain": {
        "task": "abl.verify_audit_chain",
        "schedule": crontab(minute=30, hour=env_int("ABL_AUDIT_VERIFY_HOUR", default=2)),
    },
    # Webhook deliveries whose next attempt is due (docs/webhooks.md).
    "retry-webhooks": {
        "task": "abl.retry_webhooks",
        "schedule": float(env_int("ABL_WEBHOOK_RETRY_INTERVAL", default=60)),
    },
    # The nightly close (reporting/services/close.py): every facility's frequency,
    # due calendar and reminders on the business date.
    "close-business-day": {
        "task": "reporting.close_business_day",
        "schedule": crontab(minute=env_int("ABL_CLOSE_MINUTE", default=5), hour=0),
    },
    # The fee ledger (docs/fees.md): the month before the business date's, on the 1st.
    "post-fees": {
        "task": "abl.post_fees",
        "schedule": crontab(
            minute=0, hour=env_int("ABL_FEE_POSTING_HOUR", default=1), day_of_month=1
        ),
    },
}
app.autodiscover_tasks()
