"""The certificate workflow's fixtures (the Innotrac facility, its CFO), for tests with real
workers; the processes they start come from tests/conftest.py (`spawned`)."""

from tests.abl.conftest import cfo, innotrac

__all__ = ["cfo", "innotrac"]
