"""The certificate workflow's fixtures (the Innotrac facility, its CFO), for tests with real
workers, and the processes those tests start."""

import pytest

from tests.abl.conftest import cfo, innotrac
from tests.processes import Spawned

__all__ = ["cfo", "innotrac"]


@pytest.fixture
def spawned(tmp_path):
    """Start processes (tests/processes.py); every one still running is killed at the end."""
    processes = Spawned(tmp_path)
    yield processes
    processes.kill_all()
