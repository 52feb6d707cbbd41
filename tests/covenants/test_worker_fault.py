"""A worker killed with SIGKILL while rendering a compliance certificate: the certificate still comes, once.

Real processes: a `celery worker` (prefork) on Redis writing to the test's
PostgreSQL database. The statement is submitted; the worker is killed as soon
as it has received the rendering task (WeasyPrint is still loading); the task,
never acknowledged, is given back to a second worker, which renders it. One
certificate, one audit event. The workers run the production settings
(DEBUG=0): the stylesheet is the hashed one collectstatic wrote.
"""

import datetime as dt
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from abl.models import AuditEvent
from covenants.models import ComplianceCertificate
from covenants.services import statements
from tests.covenants.conftest import figures
from tests.processes import database_url, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(settings, spawned, static_root):
    """Start celery workers against the test database; every one is killed at the end."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False  # tasks go to Redis, not run in this process
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "covenant-worker-fault-test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "STATIC_ROOT": str(static_root),
        "CELERY_VISIBILITY_TIMEOUT": "5",
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
    app.control.purge()


def test_worker_killed_while_rendering_the_certificate_is_replaced_and_it_renders_once(
    worker, spawned, innotrac, cfo
):
    version = statements.submit_statement(
        facility=innotrac,
        kind="actual",
        period_end=dt.date(2003, 3, 31),
        financials=figures(),
        user=cfo,
        officer_title="CFO",
    )
    first = worker()
    wait_for(
        lambda: (
            "covenants.render_compliance_certificate" in spawned.log(first)
            and "received" in spawned.log(first)
        ),
        "the first worker to receive the rendering task",
    )

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    assert not ComplianceCertificate.objects.filter(statement_version=version).exists()
    worker()
    certificate = wait_for(
        lambda: ComplianceCertificate.objects.filter(statement_version=version).first(),
        "the second worker to render the certificate",
    )

    assert bytes(certificate.pdf).startswith(b"%PDF")
    page = PdfReader(io.BytesIO(bytes(certificate.pdf))).pages[0]
    assert page.mediabox.width == 612  # the hashed stylesheet was found and applied
    assert AuditEvent.objects.filter(action="covenants.certificate_rendered").count() == 1
