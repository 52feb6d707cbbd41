"""Innotrac with its small aging (line cap 546,125.00), the CFO and an analyst; business date 2003-04-07."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.abl.conftest import abl_analyst, cfo, innotrac
from tests.abl.loans.conftest import approve_certificate

__all__ = ["abl_analyst", "approve_certificate", "cfo", "innotrac"]

LINE_CAP = Decimal("546125.00")
TODAY = dt.date(2003, 4, 7)  # a Monday


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    return TODAY


def outstanding_for(pct: str) -> Decimal:
    """The loans outstanding that leave excess availability at `pct` of the line cap, to the cent
    (the excess rounded down, so the percentage is at most `pct`)."""
    excess = (LINE_CAP * Decimal(pct)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return LINE_CAP - excess
