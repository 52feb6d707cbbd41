"""Redis down: committed actions answer their pages, and their tasks are done once Redis is back.

Real processes: a `redis-server` of the test's own (the shared one is never stopped), the
outbox relay (`manage.py relay_outbox`) and a `celery worker`, on the test's PostgreSQL
database. With that Redis stopped, the borrower uploads an aging and the analyst approves
an advance, books a repayment and approves a certificate, through the web pages with
production settings (DEBUG off). Each answers its redirect; its tasks wait in the outbox.
Redis is started again, then the relay and a worker: the file is processed, the certificate's
PDF rendered, its approval emailed, the cadence re-evaluated (the advance takes Innotrac under
15% excess availability: weekly, emailed), and nothing is done twice, also when the relay was
killed after handing the messages to Redis and before marking them sent (they go twice).
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
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from abl.models import (
    AdvanceRequest,
    AuditEvent,
    CertificateDocument,
    CollateralFile,
    LedgerEntry,
    Notification,
    OutboxMessage,
)
from abl.services import loans
from reporting.models import Cadence, FrequencySwitch
from tests.abl.conftest import AGING, abl_analyst
from tests.abl.loans.conftest import another_connection, approve_certificate, submit_certificate
from tests.brokers import RedisServer, celery_on
from tests.processes import database_url, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
TODAY = "2003-04-07"
__all__ = ["abl_analyst"]  # the fixture, for this module
APPROVED_SUBJECT = re.compile(
    r"^Subject: [^\n]*certificate\s+as\s+of\s+2003-04-04\s+approved", re.M
)
WEEKLY_SUBJECT = re.compile(r"^Subject: [^\n]*borrowing base reporting is\s+now\s+weekly", re.M)
TASKS = {
    "abl.process_collateral_file",
    "abl.render_certificate_pdf",
    "abl.send_advance_notice",
    "abl.send_certificate_notification",
    "reporting.reevaluate_frequency",
    "reporting.refresh_positions",
}


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def processes(settings, own_redis, static_root, spawned):
    """Start `celery worker` and `manage.py relay_outbox` processes; all are killed at the end."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "outbox-outage-test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": own_redis.url,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "STATIC_ROOT": str(static_root),
        "ABL_BUSINESS_DATE": TODAY,
        "ABL_OUTBOX_POLL_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }

    def start(kind: str) -> subprocess.Popen[bytes]:
        if kind == "worker":
            args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo"]
            args += ["--without-mingle", "--without-gossip", "-n", f"o{len(spawned.started)}@%h"]
        else:
            args = [sys.executable, "manage.py", "relay_outbox"]
        return spawned.start(kind, args, env)

    return start


def _logs(tmp_path: Path, kind: str) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob(f"{kind}-*.log")))


@pytest.fixture
def innotrac_at_twenty_percent(innotrac, cfo, abl_analyst, settings):
    """Set up in this process (tasks run here): 436,900.00 drawn on a line cap of 546,125.00
    (20% excess availability, monthly), a certificate as of 2003-04-04 waiting for approval
    and an advance request of 27,360.87 (after it: 14.99%, weekly) waiting for a decision."""
    settings.ABL_BUSINESS_DATE = TODAY
    loans.record_opening_balance(
        facility=innotrac,
        actor=abl_analyst,
        amount=Decimal("436900.00"),
        value_date=dt.date(2003, 3, 31),
    )
    approve_certificate(innotrac, cfo, abl_analyst)
    submitted = submit_certificate(innotrac, cfo, as_of=dt.date(2003, 4, 4))
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("27360.87"), key="outage"
    )
    assert Cadence.objects.get(facility=innotrac).frequency == "monthly"
    return SimpleNamespace(
        facility=innotrac,
        cfo=cfo,
        analyst=abl_analyst,
        submitted=submitted,
        advance=advance,
        outbox_before=OutboxMessage.objects.count(),
    )


def _act_with_redis_down(scene, own_redis, settings) -> CollateralFile:
    """The four actions through the web pages, production settings, Redis stopped."""
    own_redis.stop()
    settings.DEBUG = False
    borrower, analyst = Client(raise_request_exception=False), Client(raise_request_exception=False)
    borrower.force_login(scene.cfo)
    analyst.force_login(scene.analyst)
    facility = scene.facility

    upload = borrower.post(
        f"/facilities/{facility.pk}/report/",
        {
            "as_of": TODAY,
            "outstanding": "0",
            "receivables": SimpleUploadedFile("aging.csv", AGING.encode()),
        },
    )
    file = CollateralFile.objects.get(certificate__as_of=dt.date(2003, 4, 7))
    advance = analyst.post(f"/advances/{scene.advance.pk}/", {"decision": "approve"})
    repayment = analyst.post(
        f"/facilities/{facility.pk}/ledger/repayment/",
        {"kind": "repayment", "amount": "10.00", "value_date": TODAY, "description": "wire"},
    )
    approval = analyst.post(f"/certificates/{scene.submitted.pk}/review/", {"decision": "approve"})

    assert [(r.status_code, r.get("Location")) for r in (upload, advance, repayment, approval)] == [
        (302, f"/certificates/{file.certificate_id}/"),
        (302, "/reviews/"),
        (302, f"/facilities/{facility.pk}/ledger/"),
        (302, f"/certificates/{scene.submitted.pk}/"),
    ]
    assert borrower.get(upload["Location"]).status_code == 200
    assert file.status == CollateralFile.Status.QUEUED
    assert file.stored.storage.exists(file.stored.name)
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert set(waiting.values_list("task", flat=True)) == TASKS
    assert waiting.count() == OutboxMessage.objects.count() - scene.outbox_before
    return file


def _missing(scene, file: CollateralFile) -> list[str]:
    """What of the four actions' follow-ups is not done yet."""
    file.refresh_from_db()
    certificate = scene.submitted
    done = {
        "the file processed": file.is_finished,
        "every message sent": not OutboxMessage.objects.filter(sent_at__isnull=True).exists(),
        "the PDF": CertificateDocument.objects.filter(
            certificate=certificate, state="approved"
        ).exists(),
        "the approval email": Notification.objects.filter(
            certificate=certificate, event="approved"
        ).exists(),
        "the switch to weekly, emailed": FrequencySwitch.objects.filter(
            facility=scene.facility, to_frequency="weekly", notified_at__isnull=False
        ).exists(),
    }
    return [what for what, is_done in done.items() if not is_done]


def _wait_until_done(scene, file: CollateralFile, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while missing := _missing(scene, file):
        if time.monotonic() > deadline:
            raise AssertionError(f"after {seconds} s still missing: {', '.join(missing)}")
        time.sleep(0.2)


def _assert_done_once(scene, file: CollateralFile, tmp_path: Path, own_redis, queue: str) -> None:
    wait_for(lambda: own_redis.queue_length(queue) == 0, "the worker to empty its queue")
    time.sleep(1)  # the last task taken finishes
    file.refresh_from_db()
    assert file.status == CollateralFile.Status.ACCEPTED, file.problems
    assert file.stored.storage.exists(file.stored.name)
    assert (
        AuditEvent.objects.filter(action="collateral.accepted", object_id=str(file.pk)).count() == 1
    )
    assert file.certificate.computations.count() == 1
    assert AdvanceRequest.objects.get(pk=scene.advance.pk).status == "approved"
    entries = LedgerEntry.objects.filter(facility=scene.facility)
    assert entries.filter(kind="advance").count() == 1
    assert entries.filter(kind="repayment").count() == 1
    docs = CertificateDocument.objects.filter(certificate=scene.submitted, state="approved")
    assert docs.count() == 1
    assert Notification.objects.filter(certificate=scene.submitted, event="approved").count() == 1
    switches = FrequencySwitch.objects.filter(facility=scene.facility, to_frequency="weekly")
    assert switches.count() == 1
    assert Cadence.objects.get(facility=scene.facility).frequency == "weekly"
    worker_log = _logs(tmp_path, "worker")
    assert len(APPROVED_SUBJECT.findall(worker_log)) == 1
    # The switch is emailed to the borrower's users and to the analysts: one message each.
    assert len(WEEKLY_SUBJECT.findall(worker_log)) == 2


def test_a_redis_outage_loses_nothing_and_does_nothing_twice(
    innotrac_at_twenty_percent, own_redis, processes, settings, tmp_path
):
    scene = innotrac_at_twenty_percent
    with celery_on(settings, own_redis.url):
        file = _act_with_redis_down(scene, own_redis, settings)

        own_redis.start()
        processes("relay")
        processes("worker")
        _wait_until_done(scene, file)

        _assert_done_once(scene, file, tmp_path, own_redis, settings.CELERY_TASK_DEFAULT_QUEUE)


def _relay_waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE %s AND query LIKE %s",
            ["%abl_outboxmessage%", "UPDATE%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_relay_killed_before_marking_its_messages_sent_sends_them_again_done_once(
    innotrac_at_twenty_percent, own_redis, processes, settings, tmp_path
):
    scene = innotrac_at_twenty_percent
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_on(settings, own_redis.url):
        file = _act_with_redis_down(scene, own_redis, settings)
        waiting = OutboxMessage.objects.filter(sent_at__isnull=True).count()
        own_redis.start()

        # The test holds a lock that lets the relay read and lock its messages but not mark
        # them sent: it hands them to Redis and waits; it is killed there.
        with another_connection() as holder:
            holder.execute("LOCK TABLE abl_outboxmessage IN SHARE MODE")
            relay = processes("relay")
            wait_for(_relay_waiting_for_a_lock, "the relay to wait to mark its messages sent")
            assert own_redis.queue_length(queue) == waiting
            os.killpg(relay.pid, signal.SIGKILL)
            relay.wait(10)
            holder.rollback()
        assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == waiting

        processes("relay")
        wait_for(
            lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(),
            "the second relay to send the messages again",
        )
        assert own_redis.queue_length(queue) == 2 * waiting
        processes("worker")
        _wait_until_done(scene, file)

        _assert_done_once(scene, file, tmp_path, own_redis, queue)
