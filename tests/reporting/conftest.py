"""Innotrac with its small aging (line cap 546,125.00), the CFO and an analyst; business date
2003-04-07; a relationship manager's portfolio of stored dashboard lines."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from reporting.models import FacilityPosition
from tests.abl.conftest import abl_analyst, cfo, innotrac
from tests.abl.loans.conftest import approve_certificate
from tests.factories import FacilityFactory, UserFactory

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


def line(facility, **figures) -> FacilityPosition:
    """A stored line as the refresh writes it, with the figures a test needs."""
    values = {
        "name": facility.name,
        "as_of": TODAY,
        "frequency": "monthly",
        "outstanding": Decimal("0"),
        "exceptions": [],
        **figures,
    }
    values["exception_count"] = len(values["exceptions"])
    return FacilityPosition.objects.create(facility=facility, **values)


@pytest.fixture
def manager(bank):
    return UserFactory(role="relationship_manager", organisation=bank)


@pytest.fixture
def portfolio(bank, manager):
    """Three facilities of the manager's and one of another's."""
    lines = {}
    for name, figures in {
        "Alpha": {"excess_availability": Decimal("500.00"), "frequency": "weekly"},
        "Bravo": {
            "excess_availability": Decimal("-10.00"),
            "over_advanced": True,
            "exceptions": ["over_advanced"],
        },
        "Charlie": {
            "excess_availability": Decimal("9000.00"),
            "overdue_items": 1,
            "overdue_since": dt.date(2003, 4, 2),
            "exceptions": ["late_report"],
        },
    }.items():
        facility = FacilityFactory(lender=bank, name=name)
        facility.relationship_managers.add(manager)
        lines[name] = line(facility, **figures)
    lines["Other"] = line(FacilityFactory(lender=bank, name="Other"), frequency="weekly")
    return lines


def listed_names(page) -> list[str]:
    body = page.content.decode()
    table = body[body.index('data-testid="portfolio-table"') :]
    return re.findall(r'data-testid="position-row">\s*<td><a href="[^"]+">([^<]+)</a>', table)


def switch_to_weekly(innotrac, cfo, abl_analyst, run) -> None:
    """An approved certificate on an opening balance of 436,900.00, then an advance of
    27,360.87 that takes excess availability to 14.99%: weekly (§6). The e-mails of the
    approval are cleared; the switch's are in `mail.outbox`. `run`: the on-commit capture."""
    from django.core import mail

    from abl.services import loans

    with run(execute=True):
        loans.record_opening_balance(
            facility=innotrac,
            actor=abl_analyst,
            amount=Decimal("436900.00"),
            value_date=dt.date(2003, 3, 31),
        )
        approve_certificate(innotrac, cfo, abl_analyst)
    mail.outbox.clear()
    request = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("27360.87"), key="to-weekly"
    )
    with run(execute=True):
        loans.approve_advance(advance=request, actor=abl_analyst)
