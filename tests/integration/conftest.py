"""The certificate workflow's fixtures (the Innotrac facility, its CFO), for tests with real
workers, and the celery processes those tests start (`processes`), through
tests/conftest.py's `spawned`."""

import os
import subprocess
import sys

import pytest

from tests.abl.conftest import cfo, innotrac
from tests.processes import database_url

__all__ = ["cfo", "innotrac"]
CLAIM_TIMEOUT = 3  # seconds without a heartbeat before a claim is stale


@pytest.fixture
def queue_on_redis(settings):
    """Tasks go to Redis from this process (not run in it), on this test run's queue."""
    from config.celery import app

    # Celery reads Django's settings live (namespace CELERY): change them there.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield app
    app.control.purge()


@pytest.fixture
def processes(queue_on_redis, settings, tmp_path, spawned):
    """Start celery processes against the test database; all are killed at the end."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "worker-fault-test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ABL_SWEEP_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }

    def start(
        kind: str, *, visibility_timeout: int = 10, claim_timeout: int = CLAIM_TIMEOUT
    ) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "celery", "-A", "config"]
        if kind == "worker":
            args += ["worker", "-P", "prefork", "-c", "1", "--without-mingle", "--without-gossip"]
            args += ["-n", f"w{len(spawned.started)}@%h"]
        else:
            args += ["beat", "-s", str(tmp_path / "beat-schedule")]
        timeouts = {
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "ABL_FILE_CLAIM_TIMEOUT": str(claim_timeout),
        }
        return spawned.start(kind, [*args, "--loglevel", "INFO"], {**env, **timeouts})

    return start
