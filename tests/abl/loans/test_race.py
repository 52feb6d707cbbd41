"""Approvals racing for the same availability (§7), on real PostgreSQL.

Six requests of 100,000.00 against a line cap of 546,125.00: each fits alone,
five fit together, the sixth never does. However the approvals interleave
(threads with their own connections, or separate `decide_advance`
processes), exactly five pass and the balance never exceeds the line cap.
The last test takes the service's lock away and shows the database refusing
on its own.
"""

import os
import re
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import IntegrityError, ProgrammingError, connection, connections, transaction

from abl.models import AdvanceRequest, LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused
from tests.abl.loans.conftest import LINE_CAP, TODAY, another_connection, approve_certificate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
REQUESTS = 6
AMOUNT = Decimal("100000.00")


@pytest.fixture
def requests_that_each_fit(innotrac, cfo, abl_analyst):
    approve_certificate(innotrac, cfo, abl_analyst)
    return [
        loans.request_advance(
            facility=innotrac, actor=cfo, amount=AMOUNT, value_date=TODAY, key=f"race-{n}"
        )
        for n in range(REQUESTS)
    ]


def _assert_exactly_the_ones_that_fit(innotrac):
    approved = AdvanceRequest.objects.filter(status="approved").count()
    ledger = LedgerEntry.objects.filter(facility=innotrac)
    assert approved == 5
    assert ledger.count() == 5
    assert ledger.balance_on(TODAY) == 5 * AMOUNT
    assert max(ledger.values_list("balance_after", flat=True)) <= LINE_CAP
    live = loans.live_availability(innotrac)
    assert live.figures is not None
    assert live.figures.excess_availability == LINE_CAP - 5 * AMOUNT


def test_concurrent_approvals_in_threads_pass_only_while_they_fit(
    innotrac, abl_analyst, second_analyst, requests_that_each_fit
):
    start = threading.Barrier(REQUESTS)
    outcomes: list[str] = []

    def approve(advance, analyst):
        try:
            start.wait()
            loans.approve_advance(advance=advance, actor=analyst)
            outcomes.append("approved")
        except LoanRefused as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(advance, (abl_analyst, second_analyst)[n % 2]))
        for n, advance in enumerate(requests_that_each_fit)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == sorted(
        ["approved"] * 5
        + [
            "The advance of 100,000.00 would take excess availability below zero: "
            "46,125.00 available, (53,875.00) after."
        ]
    )
    _assert_exactly_the_ones_that_fit(innotrac)


def test_one_request_approved_and_declined_at_once_is_decided_once(
    innotrac, abl_analyst, second_analyst, requests_that_each_fit
):
    advance = requests_that_each_fit[0]
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def decide(n):
        try:
            start.wait()
            if n % 2:
                loans.decline_advance(advance=advance, actor=second_analyst, comment="No.")
                outcomes.append("declined")
            else:
                loans.approve_advance(advance=advance, actor=abl_analyst)
                outcomes.append("approved")
        except LoanRefused as refusal:
            outcomes.append(re.sub(r"already \w+", "already decided", str(refusal)))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    decided = AdvanceRequest.objects.get(pk=advance.pk).status
    assert sorted(outcomes) == sorted(
        [decided] + [f"Advance request {advance.pk} is already decided."] * 3
    )
    entries = LedgerEntry.objects.filter(advance=advance).count()
    assert entries == (1 if decided == "approved" else 0)


def test_concurrent_decide_advance_processes_pass_only_while_they_fit(
    innotrac, abl_analyst, requests_that_each_fit
):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "ABL_BUSINESS_DATE": TODAY.isoformat(),
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    env.pop("REDIS_URL", None)
    processes = [
        subprocess.Popen(
            [
                *(sys.executable, "manage.py", "decide_advance", "--request", str(advance.pk)),
                *("--approve", "--user", abl_analyst.username),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for advance in requests_that_each_fit
    ]
    results = [(p.wait(120), *p.communicate()) for p in processes]

    passed = [
        (out.splitlines()[-1], f"Advance request {advance.pk} approved: 100,000.00")
        for advance, (code, out, _) in zip(requests_that_each_fit, results, strict=True)
        if code == 0
    ]
    # The last line: the reporting cadence may print its emails before it (console mail).
    refused = [err.strip().splitlines()[-1] for code, _, err in results if code != 0]
    assert len(passed) == 5
    assert [out for out, _ in passed] == [expected for _, expected in passed]
    assert refused == [
        "CommandError: The advance of 100,000.00 would take excess availability below zero: "
        "46,125.00 available, (53,875.00) after."
    ]
    _assert_exactly_the_ones_that_fit(innotrac)


def _insert_after_head(facility, advance, certificate, *, amount, head_seq, head_balance):
    return LedgerEntry.objects.create(
        facility=facility,
        seq=head_seq + 1,
        kind="advance",
        value_date=TODAY,
        amount=amount,
        balance_after=head_balance + amount,
        line_cap=LINE_CAP,
        certificate=certificate,
        advance=advance,
    )


def test_the_database_refuses_two_entries_written_on_the_same_head(
    innotrac, cfo, abl_analyst, requests_that_each_fit
):
    """Without the service's lock: two writers read the same head; the second waits, then fails."""
    certificate = loans.live_availability(innotrac).certificate
    first, second = requests_that_each_fit[:2]
    written = threading.Event()
    errors: list[Exception] = []

    def other_writer():
        try:
            with transaction.atomic():
                written.wait(10)
                _insert_after_head(
                    innotrac, second, certificate, amount=AMOUNT, head_seq=0, head_balance=0
                )
        except IntegrityError as error:
            errors.append(error)
        finally:
            connections["default"].close()

    thread = threading.Thread(target=other_writer)
    with transaction.atomic():
        _insert_after_head(innotrac, first, certificate, amount=AMOUNT, head_seq=0, head_balance=0)
        thread.start()
        written.set()
    thread.join(30)

    assert [type(e) for e in errors] == [IntegrityError]
    assert "ledger_one_entry_per_place" in str(errors[0])
    assert LedgerEntry.objects.count() == 1


def test_the_database_refuses_an_advance_above_its_line_cap(innotrac, requests_that_each_fit):
    certificate = loans.live_availability(innotrac).certificate

    with (
        pytest.raises(IntegrityError, match="ledger_advance_within_line_cap"),
        transaction.atomic(),
    ):
        _insert_after_head(
            innotrac,
            requests_that_each_fit[0],
            certificate,
            amount=LINE_CAP + Decimal("0.01"),
            head_seq=0,
            head_balance=Decimal(0),
        )


def test_the_database_refuses_a_running_balance_that_lies(innotrac, requests_that_each_fit):
    certificate = loans.live_availability(innotrac).certificate

    lie = re.escape("balance_after 50000.00 is not 0 + 100000.00")
    with pytest.raises(ProgrammingError, match=lie), transaction.atomic():
        LedgerEntry.objects.create(
            facility=innotrac,
            seq=1,
            kind="advance",
            value_date=TODAY,
            amount=AMOUNT,
            balance_after=Decimal("50000.00"),
            line_cap=LINE_CAP,
            certificate=certificate,
            advance=requests_that_each_fit[0],
        )


def test_ledger_entries_cannot_be_changed_or_deleted(innotrac, abl_analyst):
    entry = loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=AMOUNT, value_date=TODAY
    )

    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1.00"))
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()


def test_a_double_click_at_once_makes_one_request(innotrac, cfo):
    """Two submissions of one form (one key) in the same instant: one request, the same id."""
    start = threading.Barrier(2)
    ids: list[int] = []

    def submit():
        try:
            start.wait()
            advance = loans.request_advance(
                facility=innotrac, actor=cfo, amount=AMOUNT, value_date=TODAY, key="one-form"
            )
            ids.append(advance.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(ids) == 2
    assert ids[0] == ids[1]
    assert AdvanceRequest.objects.count() == 1


def test_a_key_asked_for_while_waiting_on_the_lock_is_found(innotrac, cfo, approved):
    """The second of two clicks waits for the first's lock on the facility; once the first
    commits, the second finds its request (looked up by a statement that begins after the
    lock is granted) instead of failing on the key's unique index."""
    with another_connection() as first:
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


def _until_one_waits_for_a_lock(holder: psycopg.Connection, errors: list) -> None:
    """Until another session waits for a lock `holder` holds (pg_locks is read live, unlike
    pg_stat_activity, which a transaction sees as it was when first read; other sessions on
    the server, waiting for locks of their own, do not count)."""
    for _ in range(500):
        assert errors == []
        waiting = holder.execute(
            "SELECT count(*) FROM pg_locks"
            " WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        ).fetchone()
        if waiting and waiting[0]:
            return
        time.sleep(0.01)
    raise AssertionError("the second click never waited for the facility's row")
