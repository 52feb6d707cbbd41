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
import time
from pathlib import Path

import pytest
from django.db import connection
from pypdf import PdfReader

from abl.models import AuditEvent
from covenants.models import ComplianceCertificate
from covenants.services import statements
from tests.covenants.conftest import figures

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """collectstatic as the Dockerfile runs it: production workers read the hashed stylesheet there."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "build-only",
            "DEBUG": "0",
            "STATIC_ROOT": str(root),
        },
        check=True,
    )
    return root


@pytest.fixture
def worker(settings, tmp_path, static_root):
    """Start celery workers against the test database; every one is killed at the end."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False  # tasks go to Redis, not run in this process
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "covenant-worker-fault-test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "STATIC_ROOT": str(static_root),
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }

    def start() -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"worker-{len(started)}.log"
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork"]
        args += ["-c", "1", "--without-mingle", "--without-gossip", "-n", f"c{len(started)}@%h"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*args, "--loglevel", "INFO"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append((process, log))
        return process, log

    yield start
    for process, _ in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    app.control.purge()


def _wait_for(condition, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_worker_killed_while_rendering_the_certificate_is_replaced_and_it_renders_once(
    worker, innotrac, cfo
):
    version = statements.submit_statement(
        facility=innotrac,
        kind="actual",
        period_end=dt.date(2003, 3, 31),
        financials=figures(),
        user=cfo,
        officer_title="CFO",
    )
    first, log = worker()
    _wait_for(
        lambda: (
            "covenants.render_compliance_certificate" in log.read_text(errors="replace")
            and "received" in log.read_text(errors="replace")
        ),
        "the first worker to receive the rendering task",
    )

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    assert not ComplianceCertificate.objects.filter(statement_version=version).exists()
    worker()
    certificate = _wait_for(
        lambda: ComplianceCertificate.objects.filter(statement_version=version).first(),
        "the second worker to render the certificate",
    )

    assert bytes(certificate.pdf).startswith(b"%PDF")
    page = PdfReader(io.BytesIO(bytes(certificate.pdf))).pages[0]
    assert page.mediabox.width == 612  # the hashed stylesheet was found and applied
    assert AuditEvent.objects.filter(action="covenants.certificate_rendered").count() == 1
