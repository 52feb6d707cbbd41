"""Locking an advance request to decide it (abl/services/loans.py `_locked_request`, one
hand-written query): the request, its facility and the facility's borrower as the ORM reads
them, the request's and the facility's rows locked until the transaction ends, the
borrower's only read.
"""

import datetime as dt
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction

from abl.models import AdvanceRequest
from abl.services import loans
from tests.abl.loans.conftest import TODAY

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
        locked = loans._locked_request(decided)
        facility, borrower = locked.facility, locked.facility.borrower

    expected = AdvanceRequest.objects.select_related("facility__borrower").get(pk=decided.pk)
    assert _fields(locked) == _fields(expected)
    assert _fields(facility) == _fields(expected.facility)
    assert _fields(borrower) == _fields(expected.facility.borrower)
    assert isinstance(locked.decided_at, dt.datetime)
    assert locked.decided_at.tzinfo is not None
    assert locked.excess_before == Decimal("546125.00")
    assert facility.in_default_since == TODAY
    assert (locked._state.adding, locked._state.db) == (False, "default")


def test_a_request_that_does_not_exist_is_not_found(db):
    with pytest.raises(AdvanceRequest.DoesNotExist), transaction.atomic():
        loans._locked_request(AdvanceRequest(pk=999_999))


def _lock_from_another_connection(table: str, pk: int) -> str:
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    ) as other:
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
        loans._locked_request(decided)
        held = {table: _lock_from_another_connection(table, pk) for table, pk in rows.items()}
    after = {table: _lock_from_another_connection(table, pk) for table, pk in rows.items()}

    assert held == {
        "abl_advancerequest": "waits",
        "abl_facility": "waits",
        "abl_organisation": "locked it",
    }
    assert after == dict.fromkeys(rows, "locked it")


# Asking for an advance (`request_advance`) locks the facility and looks its key up in one
# round trip (`_locked_with_key`), the lookup a statement of its own after the lock.


def test_asking_locks_the_facility_as_the_orm_reads_it_and_finds_the_key(
    decided, django_assert_num_queries
):
    facility = decided.facility

    with transaction.atomic(), django_assert_num_queries(1):
        locked, found = loans._locked_with_key(facility, "k1")
    _, missing = loans._locked_with_key(facility, "another key")

    assert _fields(locked) == _fields(type(facility).objects.get(pk=facility.pk))
    assert (locked._state.adding, locked._state.db) == (False, "default")
    assert (found, missing) == (decided.pk, None)


def test_asking_holds_the_facility_row_until_the_transaction_ends(decided):
    with transaction.atomic():
        loans._locked_with_key(decided.facility, "k2")
        held = _lock_from_another_connection("abl_facility", decided.facility_id)
    after = _lock_from_another_connection("abl_facility", decided.facility_id)

    assert (held, after) == ("waits", "locked it")


def test_a_key_asked_for_while_waiting_on_the_lock_is_found(innotrac, cfo, approved):
    """The second of two clicks waits for the first's lock; its lookup, a statement of its own,
    then sees the first's request (in the lock's statement its snapshot would not)."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    ) as first:
        first.execute("SELECT 1 FROM abl_facility WHERE id = %s FOR UPDATE", [innotrac.pk])
        waiting: list[AdvanceRequest] = []
        errors: list[BaseException] = []

        def ask() -> None:
            try:
                waiting.append(
                    loans.request_advance(
                        facility=innotrac, actor=cfo, amount=Decimal("10.00"), key="click"
                    )
                )
            except BaseException as error:  # reported by the assert below
                errors.append(error)
            finally:
                connection.close()

        second = threading.Thread(target=ask)
        second.start()
        _until_one_waits_for_a_lock(first, errors)
        first.execute(
            "INSERT INTO abl_advancerequest (facility_id, key, amount, value_date, purpose,"
            " requested_by_id, status, comment, requested_at)"
            " VALUES (%s, 'click', 10.00, %s, '', %s, 'requested', '', now())",
            [innotrac.pk, TODAY, cfo.pk],
        )
        made = first.execute("SELECT id FROM abl_advancerequest WHERE key = 'click'").fetchone()
        first.commit()
        second.join(30)

    assert errors == []
    assert [advance.pk for advance in waiting] == [made[0]]
    assert AdvanceRequest.objects.filter(key="click").count() == 1


def _until_one_waits_for_a_lock(connection_: psycopg.Connection, errors: list) -> None:
    """Until another session waits for a lock (pg_locks is read live, unlike
    pg_stat_activity, which a transaction sees as it was when first read)."""
    for _ in range(500):
        assert errors == []
        waiting = connection_.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
        if waiting and waiting[0]:
            return
        time.sleep(0.01)
    raise AssertionError("the second click never waited for the facility's row")
