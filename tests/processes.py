"""Processes a test starts for real (workers, beat, the outbox relay), and waiting on them.

Each process runs in a session of its own with its output in a log file of the
test's, and every one still running when the test ends is killed with its
children (`spawned`, a fixture in tests/integration/conftest.py).
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import redis
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


class Spawned:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []
        self._log_of: dict[int, Path] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Run `args` from the project's folder; its output goes to `<name>-<n>.log`."""
        path = self.logs / f"{name}-{len(self.started)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        self._log_of[process.pid] = path
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        """What `process` has written so far."""
        return self._log_of[process.pid].read_text(errors="replace")

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def collect_static(root: Path) -> None:
    """collectstatic as the Dockerfile runs it, into `root`: workers with DEBUG off render PDFs
    with the hashed stylesheet found there."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"}
    env |= {"SECRET_KEY": "build-only", "STATIC_ROOT": str(root)}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def database_url() -> str:
    """The test database as the tests' own connection reaches it, for a process of its own."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


def wait_for(condition: Callable[[], T], what: str, seconds: float = 90, every: float = 0.02) -> T:
    """`condition()` once it is true, looked at every `every` seconds; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {seconds} s for {what}")


def forget_unacknowledged(url: str, queue: str) -> None:
    """Drop the broker's record of the messages a killed worker of `queue` held unacknowledged,
    so only what the test expects redelivers them; the client is closed (no socket left)."""
    with redis.Redis.from_url(url) as broker:
        for tag, payload in broker.hgetall("unacked").items():
            if json.loads(payload)[2] == queue:  # [message, exchange, routing key]
                broker.hdel("unacked", tag)
                broker.zrem("unacked_index", tag)
