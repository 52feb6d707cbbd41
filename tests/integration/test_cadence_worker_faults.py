"""The cadence task on real workers: killed with SIGKILL in the middle, and sent twice.

Real `celery worker` processes (prefork) on Redis, writing to the test's
PostgreSQL database, with the business date 2003-04-07. Innotrac reports
monthly at 20% excess availability; an advance takes it to 14.99%, and its
re-evaluation task goes to Redis. The test holds the facility's cadence row
locked from a connection of its own, so the worker that takes the task stops
inside it, waiting for the lock; the worker is killed. The task comes back to
the next worker (late acknowledgement, given back when its worker is lost)
and the switch to weekly is recorded once and emailed once to each side.
"""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from abl.models import AuditEvent
from abl.services import loans
from reporting.models import Cadence, FrequencySwitch
from reporting.tasks import reevaluate_frequency_task
from tests.abl.conftest import abl_analyst
from tests.abl.loans.conftest import approve_certificate
from tests.processes import database_url, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
TODAY = "2003-04-07"
__all__ = ["abl_analyst"]  # the fixture, for this module
# The console mail backend prints each message to the worker's log (headers folded).
SUBJECT = re.compile(r"^Subject: [^\n]*borrowing base reporting is\s+now\s+weekly", re.MULTILINE)


@pytest.fixture
def workers(settings, spawned):
    """Start `celery worker` processes on this run's queue; all are killed at the end."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "cadence-worker-fault-test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "ABL_BUSINESS_DATE": TODAY,
        "PYTHONUNBUFFERED": "1",
        "CELERY_VISIBILITY_TIMEOUT": "8",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }

    def start() -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork"]
        args += ["-c", "1", "--without-mingle", "--without-gossip"]
        args += ["-n", f"c{len(spawned.started)}@%h", "--loglevel", "INFO"]
        return spawned.start("worker", args, env)

    yield start
    spawned.kill_all()
    from config.celery import app

    app.control.purge()


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))


@pytest.fixture
def monthly_at_twenty_percent(innotrac, cfo, abl_analyst, settings):
    """Set up in this process (tasks run here): 436,900.00 drawn on a line cap of 546,125.00."""
    settings.ABL_BUSINESS_DATE = TODAY
    loans.record_opening_balance(
        facility=innotrac,
        actor=abl_analyst,
        amount=Decimal("436900.00"),
        value_date=dt.date(2003, 3, 31),
    )
    approve_certificate(innotrac, cfo, abl_analyst)
    assert Cadence.objects.get(facility=innotrac).frequency == "monthly"
    return innotrac


def _advance_to_fourteen_ninety_nine(facility, cfo, analyst, settings, key: str) -> None:
    """The advance commits; its re-evaluation task goes to Redis, not run here."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    request = loans.request_advance(
        facility=facility, actor=cfo, amount=Decimal("27360.87"), key=key
    )
    loans.approve_advance(advance=request, actor=analyst)


def _waiting_for_the_cadence_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE %s AND query LIKE %s",
            ["%reporting_cadence%", "%FOR UPDATE%"],
        )
        return cursor.fetchone()[0] > 0


def _notified(facility) -> FrequencySwitch | None:
    return FrequencySwitch.objects.filter(
        facility=facility, to_frequency="weekly", notified_at__isnull=False
    ).first()


def test_worker_killed_in_the_middle_of_the_cadence_task_switches_and_emails_once(
    monthly_at_twenty_percent, cfo, abl_analyst, settings, workers, tmp_path
):
    innotrac = monthly_at_twenty_percent
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as holder:
        holder.execute(
            "SELECT id FROM reporting_cadence WHERE facility_id = %s FOR UPDATE", [innotrac.pk]
        )
        _advance_to_fourteen_ninety_nine(innotrac, cfo, abl_analyst, settings, key="kill")
        first = workers()
        wait_for(_waiting_for_the_cadence_lock, "the worker to wait inside the task")

        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        holder.rollback()  # the lock goes; the killed worker's task has not finished
    assert not FrequencySwitch.objects.filter(facility=innotrac, to_frequency="weekly").exists()

    workers()
    switch = wait_for(lambda: _notified(innotrac), "the redelivered task's switch and email")
    wait_for(
        lambda: len(SUBJECT.findall(_logs(tmp_path))) >= 2,
        "both emails in the logs",
        seconds=20,
    )
    time.sleep(3)  # anything that would run twice has had its chance

    assert FrequencySwitch.objects.filter(facility=innotrac, to_frequency="weekly").count() == 1
    assert AuditEvent.objects.filter(action="reporting.frequency_switched").count() == 2
    assert switch.excess_availability == Decimal("81864.13")
    assert sorted(switch.recipients) == sorted([cfo.email, abl_analyst.email])
    assert len(SUBJECT.findall(_logs(tmp_path))) == 2  # one to the borrower, one to the bank
    assert "reporting.reevaluate_frequency" in _logs(tmp_path)


def test_the_cadence_task_sent_twice_to_a_real_worker_switches_once(
    monthly_at_twenty_percent, cfo, abl_analyst, settings, workers, tmp_path
):
    innotrac = monthly_at_twenty_percent
    _advance_to_fourteen_ninety_nine(innotrac, cfo, abl_analyst, settings, key="twice")
    reevaluate_frequency_task.delay(innotrac.pk, "sent again")
    workers()

    wait_for(lambda: _notified(innotrac), "the switch and its email")
    wait_for(
        lambda: _logs(tmp_path).count("Task reporting.reevaluate_frequency[") >= 2 * 2,
        "both tasks to be received and finished",
    )

    assert FrequencySwitch.objects.filter(facility=innotrac, to_frequency="weekly").count() == 1
    assert len(SUBJECT.findall(_logs(tmp_path))) == 2
