"""Locking an advance request to decide it (abl/services/loans/advances.py
`_locked_request`, one query through the ORM): the request, its facility and the
facility's borrower, the request's and the facility's rows locked until the transaction
ends, the borrower's only read.
"""

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from django.db import transaction

from abl.models import AdvanceRequest
from abl.services import loans
from abl.services.loans import advances
from tests.abl.loans.conftest import TODAY, another_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def decided(innotrac, cfo, abl_analyst, approved):
    """An approved request (every field filled) of a facility in default since today."""
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("1234.56"), purpose="Payroll", key="k1"
    )
    loans.approve_advance(advance=advance, actor=abl_analyst, comment="Fine.")
    loans.declare_event_of_default(facility=innotrac, on=TODAY, reason="test", user=abl_analyst)
    return advance


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_locked_request_is_read_as_the_orm_reads_it_with_its_facility_and_borrower(
    decided, django_assert_num_queries
):
    with transaction.atomic(), django_assert_num_queries(1):
        locked = advances._locked_request(decided)
        facility, borrower = locked.facility, locked.facility.borrower

    expected = AdvanceRequest.objects.select_related("facility__borrower").get(pk=decided.pk)
    assert _fields(locked) == _fields(expected)
    assert _fields(facility) == _fields(expected.facility)
    assert _fields(borrower) == _fields(expected.facility.borrower)
    assert isinstance(locked.decided_at, dt.datetime)
    assert locked.decided_at.tzinfo is not None
    assert locked.excess_before == Decimal("546125.00")
    assert (locked._state.adding, locked._state.db) == (False, "default")


def test_a_request_that_does_not_exist_is_not_found(db):
    with pytest.raises(AdvanceRequest.DoesNotExist), transaction.atomic():
        advances._locked_request(AdvanceRequest(pk=999_999))


def _lock_from_another_connection(table: str, pk: int) -> str:
    with another_connection() as other:
        try:
            other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
        except psycopg.errors.LockNotAvailable:
            return "waits"
        return "locked it"


def test_a_locked_request_holds_its_row_and_its_facility_row_and_reads_the_borrower(decided):
    rows = {
        "abl_advancerequest": decided.pk,
        "abl_facility": decided.facility_id,
        "abl_organisation": decided.facility.borrower_id,
    }

    with transaction.atomic():
        advances._locked_request(decided)
        held = {table: _lock_from_another_connection(table, pk) for table, pk in rows.items()}
    after = {table: _lock_from_another_connection(table, pk) for table, pk in rows.items()}

    assert held == {
        "abl_advancerequest": "waits",
        "abl_facility": "waits",
        "abl_organisation": "locked it",
    }
    assert after == dict.fromkeys(rows, "locked it")
