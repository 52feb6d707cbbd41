"""The certificate workflow's fixtures (the Innotrac facility, its CFO), for tests with real workers."""

from tests.abl.conftest import cfo, innotrac

__all__ = ["cfo", "innotrac"]
