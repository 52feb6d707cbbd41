"""Fixtures for the loan ledger: Innotrac with an approved certificate as of 2003-03-31.

The certificate is the small aging of tests/abl/conftest.py: borrowing base and
line cap 546,125.00 (receivables only). The business date is 2003-04-07, so
the certificate is current (monthly: until 2003-05-15).
"""

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from abl.models import Certificate, Facility, User
from abl.services import certificates, collateral
from abl.tasks import process_collateral_file_task
from tests.abl.conftest import AGING
from tests.factories import UserFactory

LINE_CAP = Decimal("546125.00")
AS_OF = dt.date(2003, 3, 31)
TODAY = dt.date(2003, 4, 7)


def submit_certificate(
    facility: Facility, borrower: User, *, as_of: dt.date = AS_OF
) -> Certificate:
    """A certificate of the small aging, submitted by `borrower`."""
    draft = collateral.open_draft(facility=facility, as_of=as_of, actor=borrower)
    received = collateral.receive_file(
        certificate=draft,
        kind="receivables",
        upload=SimpleUploadedFile("aging.csv", AGING.encode()),
        actor=borrower,
        queue=False,
    )
    process_collateral_file_task(received.pk)
    return certificates.submit_certificate(
        certificate=draft, actor=borrower, name="David Gamsey", title="CFO"
    )


def approve_certificate(
    facility: Facility, borrower: User, analyst: User, *, as_of: dt.date = AS_OF
) -> Certificate:
    """A certificate of the small aging, submitted by `borrower` and approved by `analyst`."""
    submitted = submit_certificate(facility, borrower, as_of=as_of)
    return certificates.approve_certificate(certificate=submitted, actor=analyst)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    return TODAY


@pytest.fixture
def second_analyst(innotrac):
    return UserFactory(username="analyst2", role="analyst", organisation=innotrac.lender)


@pytest.fixture
def approved(innotrac, cfo, abl_analyst):
    return approve_certificate(innotrac, cfo, abl_analyst)


def another_connection() -> psycopg.Connection:
    """A connection of its own to the test database, beside Django's (to hold or try locks)."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
