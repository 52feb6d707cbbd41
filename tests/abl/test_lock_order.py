"""The lock order (abl/locks.py): every audit event about a facility is written while the
writing transaction holds the facility's row lock.

On real PostgreSQL: a statement wrapper sees each audit event's append and, just before it
runs, asks from a second connection for a share lock on the facility's row without
waiting. Refused: the row is held for update by the transaction appending the event, as
the order asks. Granted: the event would take the audit chain's lock with the row still
free, and could wait for the row while holding the chain (a deadlock with an approval,
which holds the row and waits for the chain; tests/integration/test_lock_order_race.py).
Tasks queued on commit run in the test's process (eager), so the re-evaluation of the
reporting frequency and the dashboard's refresh are checked too.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from abl.models import AuditEvent, Facility
from abl.services import certificates, exports, loans
from reporting.models import FrequencySwitch
from reporting.services import close
from tests.abl.loans.conftest import (
    LINE_CAP,
    TODAY,
    another_connection,
    approve_certificate,
    business_date,
    submit_certificate,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
__all__ = ["business_date"]  # the fixture (autouse: 2003-04-07), for this module

TWENTY_PERCENT = LINE_CAP - Decimal("109225.00")  # outstanding: 20% excess availability
BELOW_THE_LINE = Decimal("27361.00")  # an advance taking it to 14.99%


def _row_held(other: psycopg.Connection, facility_id: int) -> bool:
    """Whether another transaction holds the facility's row for update (or no key update)."""
    try:
        with other.transaction():
            other.execute(
                "SELECT 1 FROM abl_facility WHERE id = %s FOR KEY SHARE NOWAIT", [facility_id]
            )
    except psycopg.errors.LockNotAvailable:
        return True
    return False


@contextmanager
def audit_appends_checked(facility: Facility) -> Iterator[list[bool]]:
    """For each audit event appended inside the block, in order: was the facility's row
    locked at that moment?"""
    held: list[bool] = []
    other = another_connection()
    other.autocommit = True

    def check(execute, sql, params, many, context):
        if "abl_audit_append" in sql or 'INSERT INTO "abl_auditevent"' in sql:
            held.append(_row_held(other, facility.pk))
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(check):
            yield held
    finally:
        other.close()


def _events_after(last_id: int, held: list[bool]) -> list[tuple[str, bool]]:
    actions = list(
        AuditEvent.objects.filter(pk__gt=last_id).order_by("pk").values_list("action", flat=True)
    )
    assert len(actions) == len(held)
    return list(zip(actions, held, strict=True))


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def monthly_at_twenty_percent(innotrac, cfo, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=TWENTY_PERCENT, value_date=TODAY
    )
    approve_certificate(innotrac, cfo, abl_analyst)
    return innotrac


def test_a_certificate_reported_and_approved_audits_under_the_facility_lock(
    innotrac, cfo, abl_analyst
):
    last = _last_event_id()

    with audit_appends_checked(innotrac) as held:
        submitted = submit_certificate(innotrac, cfo)
        certificates.approve_certificate(certificate=submitted, actor=abl_analyst)

    events = _events_after(last, held)
    assert {action for action, _ in events} >= {
        "certificate.draft_created",
        "collateral.received",
        "collateral.accepted",
        "certificate.computed",
        "certificate.submitted",
        "certificate.approved",
        "reporting.frequency_switched",
    }
    assert [event for event in events if not event[1]] == []


def test_a_returned_certificate_corrected_audits_under_the_facility_lock(
    innotrac, cfo, abl_analyst
):
    submitted = submit_certificate(innotrac, cfo)
    certificates.return_certificate(certificate=submitted, actor=abl_analyst, comment="Fix it")
    last = _last_event_id()

    with audit_appends_checked(innotrac) as held:
        certificates.correct_returned_certificate(certificate=submitted, actor=cfo)

    events = _events_after(last, held)
    assert {action for action, _ in events} >= {
        "collateral.received",
        "certificate.correction_started",
        "collateral.accepted",
        "certificate.computed",
    }
    assert [event for event in events if not event[1]] == []


def test_a_spreadsheet_asked_for_and_stored_audits_under_the_facility_lock(innotrac, cfo):
    submitted = submit_certificate(innotrac, cfo)
    last = _last_event_id()

    with audit_appends_checked(innotrac) as held:
        export = exports.request_certificate_export(
            certificate=submitted, computation=submitted.current, actor=cfo
        )
        exports.build_certificate_export(export_id=export.pk)  # a no-op if it ran on commit

    events = _events_after(last, held)
    assert {action for action, _ in events} >= {
        "certificate.export_requested",
        "certificate.export_stored",
    }
    assert [event for event in events if not event[1]] == []


def test_an_advance_across_the_line_and_its_reevaluation_audit_under_the_facility_lock(
    monthly_at_twenty_percent, cfo, abl_analyst
):
    advance = loans.request_advance(
        facility=monthly_at_twenty_percent, actor=cfo, amount=BELOW_THE_LINE, key="below"
    )
    last = _last_event_id()

    with audit_appends_checked(monthly_at_twenty_percent) as held:
        loans.approve_advance(advance=advance, actor=abl_analyst)
        loans.record_repayment(
            facility=monthly_at_twenty_percent,
            actor=abl_analyst,
            amount=BELOW_THE_LINE,
            value_date=TODAY,
        )

    assert _events_after(last, held) == [
        ("advance.approved", True),
        ("reporting.frequency_switched", True),
        ("ledger.repayment", True),
        ("reporting.frequency_switched", True),
    ]


def test_the_nightly_close_audits_its_switches_under_the_facilities_locks(
    monthly_at_twenty_percent, cfo, abl_analyst
):
    later = TODAY + dt.timedelta(days=1)
    advance = loans.request_advance(
        facility=monthly_at_twenty_percent,
        actor=cfo,
        amount=BELOW_THE_LINE,
        value_date=later,
        key="tomorrow",
    )
    loans.approve_advance(advance=advance, actor=abl_analyst)  # counted from tomorrow
    assert FrequencySwitch.objects.filter(to_frequency="weekly").count() == 0
    last = _last_event_id()

    with audit_appends_checked(monthly_at_twenty_percent) as held:
        close.close_business_day(on=later)

    assert _events_after(last, held) == [("reporting.frequency_switched", True)]
