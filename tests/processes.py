"""Processes a test starts for real (workers, beat, the outbox relay), and waiting on them.

Each process runs in a session of its own with its output in a log file of the
test's, and every one still running when the test ends is killed with its
children (`spawned`, a fixture in tests/integration/conftest.py).
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


class Spawned:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Run `args` from the project's folder; its output goes to `<name>-<n>.log`."""
        with (self.logs / f"{name}-{len(self.started)}.log").open("wb") as log:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


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
