"""The examples run as a borrower's or a bank's IT runs them: over HTTP, against a live server."""

from tests.abl.conftest import abl_analyst, cfo, innotrac

__all__ = ["abl_analyst", "cfo", "innotrac"]
