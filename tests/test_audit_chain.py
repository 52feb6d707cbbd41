"""The audit trail's hash chain: written under a lock, verified by verify_audit, checked nightly.

The tampering here is done as a database superuser would, past the triggers:
on PostgreSQL with session_replication_role = replica (which only a superuser
may set), on SQLite by dropping the triggers inside the test's transaction.
When the tests connect as the application's role (.ci/run: tests/conftest.py),
which may not set it, the tampering goes through a superuser connection of its
own (DATABASE_SUPERUSER_URL), and the tests that tamper commit their rows
(transaction=True) so that it sees them.
"""

import contextlib
import datetime as dt
import hashlib
import threading
from importlib import import_module
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, connection, connections, transaction
from django.db.transaction import TransactionManagementError

from abl.audit import GENESIS, HASHED_FIELDS, event_hash, record
from abl.models import AuditEvent
from abl.services.audit import verify_chain
from abl.tasks import verify_audit_chain_task
from tests.factories import UserFactory

append_only = import_module("abl.migrations.0002_audit_append_only")

pytestmark = pytest.mark.django_db
# The tests connect as the application's role: the owner migrates, a superuser tampers.
AS_APP_ROLE = "owner" in settings.DATABASES
MIGRATOR = "owner" if AS_APP_ROLE else "default"
tampers = pytest.mark.django_db(transaction=AS_APP_ROLE)


def _as_superuser(sql: str, params: list | None = None) -> None:
    """Run `sql` past the append-only triggers: inside the test's transaction, or as a superuser.

    A test that calls it is marked `tampers`, so that under the application's
    role its rows are committed where the superuser's connection can see them.
    """
    if AS_APP_ROLE:
        if not settings.DATABASE_SUPERUSER_URL:
            pytest.fail("the tests connect as the application's role: set DATABASE_SUPERUSER_URL")
        url, name = settings.DATABASE_SUPERUSER_URL, connection.settings_dict["NAME"]
        with psycopg.connect(url, dbname=name) as superuser:  # one transaction, committed
            superuser.execute("SET LOCAL session_replication_role = replica")
            superuser.execute(sql, params)
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        else:
            for statement in append_only.SQLITE_REVERSE:
                cursor.execute(statement)
            cursor.execute(sql, params)
            for statement in append_only.SQLITE_FORWARD:
                cursor.execute(statement)


def _verify_audit() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def _verify_audit_fails() -> str:
    with pytest.raises(CommandError) as failure:
        _verify_audit()
    assert failure.value.returncode == 1
    return str(failure.value)


@pytest.fixture
def history(analyst, facility):
    """Three events, as services write them."""
    return [
        record(actor=analyst, action="facility.viewed", obj=facility, summary="Looked"),
        record(
            actor=None,
            action="collateral.accepted",
            obj=facility,
            facility=facility,
            summary="Receivables: 2 rows",
            changes={"rows": 2, "total": "1,234.56", "names": ["Zoë", "Ünal"]},
        ),
        record(actor=analyst, action="facility.viewed", obj=facility, summary="Looked again"),
    ]


def test_event_hash_is_sha256_of_the_canonical_json():
    content = {
        "id": 7,
        "created_at": dt.datetime(
            2026, 3, 1, 9, 5, 9, 120, tzinfo=dt.timezone(dt.timedelta(hours=-5))
        ),
        "actor_id": None,
        "actor_name": "system",
        "action": "a",
        "object_type": "system",
        "object_id": "x",
        "facility_id": 3,
        "summary": "Zoë",
        "changes": {"b": [1, "2"], "a": None},
        "previous_hash": GENESIS,
    }
    canonical = (
        '{"action":"a","actor_id":null,"actor_name":"system","changes":{"a":null,"b":[1,"2"]},'
        '"created_at":"2026-03-01T14:05:09.000120+00:00","facility_id":3,"id":7,'
        '"object_id":"x","object_type":"system","previous_hash":"' + GENESIS + '",'
        '"summary":"Zo\\u00eb"}'
    )

    assert event_hash(**content) == hashlib.sha256(canonical.encode("ascii")).hexdigest()


def test_record_chains_each_event_to_the_one_before(history):
    stored = list(AuditEvent.objects.order_by("id").values(*HASHED_FIELDS, "hash"))

    assert [row["previous_hash"] for row in stored] == [GENESIS] + [e.hash for e in history[:2]]
    assert [row["hash"] for row in stored] == [e.hash for e in history]
    assert [event_hash(**{k: row[k] for k in HASHED_FIELDS}) for row in stored] == [
        e.hash for e in history
    ]


def test_the_canonical_text_is_made_by_key_whatever_the_values_hold(facility):
    """The database fills the time, the id and the previous hash into gaps found by key: values
    that look like those keys, or hold them, change nothing."""
    event = record(
        actor=None,
        action="advance.requested",
        obj=facility,
        facility=facility,
        summary='"id":1,"previous_hash":"' + GENESIS + '" Zoë',
        changes={"id": 2, "previous_hash": "x", "created_at": None, "nested": {"b": [1], "a": "é"}},
    )

    stored = AuditEvent.objects.values(*HASHED_FIELDS, "hash").get(pk=event.pk)
    assert event_hash(**{k: stored[k] for k in HASHED_FIELDS}) == stored["hash"] == event.hash
    assert verify_chain().intact


def test_record_returns_the_event_as_stored(facility):
    analyst = UserFactory(role="analyst")
    event = record(
        actor=analyst, action="facility.viewed", obj=facility, facility=facility, summary="Seen"
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert [getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in AuditEvent._meta.concrete_fields
    ]


def test_record_refuses_floats_in_changes(facility):
    with pytest.raises(
        TypeError, match=r"audit changes take amounts as strings, not the float 1\.5"
    ):
        record(actor=None, action="a", obj=facility, summary="s", changes={"x": [1.5]})

    assert not AuditEvent.objects.exists()


def test_verify_audit_passes_on_a_real_history(analyst, facility, history):
    call_command(
        "load_terms", "examples/innotrac/terms.yaml", "--user", analyst.username, stdout=StringIO()
    )
    last = AuditEvent.objects.order_by("-id").first()
    count = AuditEvent.objects.count()

    assert count > 3
    assert _verify_audit() == (
        f"{count} audit events, chain intact; the last is event {last.pk}, hash {last.hash}\n"
    )


def test_verify_audit_on_an_empty_trail_says_so():
    assert _verify_audit() == "0 audit events: nothing to verify\n"


@tampers
def test_verify_audit_fails_on_an_edited_row(history):
    _as_superuser(
        "UPDATE abl_auditevent SET summary = 'Nothing here' WHERE id = %s", [history[1].pk]
    )

    assert _verify_audit_fails() == (
        f"event {history[1].pk} was changed: its hash does not match its content "
        "(1 events before it are intact)"
    )


@tampers
def test_verify_audit_fails_on_an_edited_row_given_a_new_hash(history):
    _, second, third = history
    rewritten = event_hash(
        **{name: getattr(second, name) for name in HASHED_FIELDS} | {"summary": "Nothing here"}
    )
    _as_superuser(
        "UPDATE abl_auditevent SET summary = 'Nothing here', hash = %s WHERE id = %s",
        [rewritten, second.pk],
    )

    assert _verify_audit_fails() == (
        f"event {third.pk} does not follow event {second.pk}: an event was removed or inserted "
        f"before it, or event {second.pk} was rewritten with a new hash "
        "(2 events before it are intact)"
    )


@tampers
def test_verify_audit_fails_on_a_deleted_row(history):
    first, second, third = history
    _as_superuser("DELETE FROM abl_auditevent WHERE id = %s", [second.pk])

    assert _verify_audit_fails() == (
        f"event {third.pk} does not follow event {first.pk}: an event was removed or inserted "
        f"before it, or event {first.pk} was rewritten with a new hash "
        "(1 events before it are intact)"
    )


@tampers
def test_verify_audit_fails_when_the_first_row_is_deleted(history):
    _as_superuser("DELETE FROM abl_auditevent WHERE id = %s", [history[0].pk])

    assert _verify_audit_fails().startswith(
        f"event {history[1].pk} does not follow the start of the chain: an event was removed"
    )


@tampers
def test_verify_audit_fails_on_an_inserted_back_dated_row(history):
    """Hashed and chained after the first event, as if it had happened then: it cannot be placed there."""
    first, _, third = history
    forged = {
        "id": third.pk + 1,
        "created_at": first.created_at + dt.timedelta(seconds=1),
        "actor_id": None,
        "actor_name": "system",
        "action": "certificate.approved",
        "object_type": "system",
        "object_id": "",
        "facility_id": None,
        "summary": "Approved long ago",
        "changes": {},
        "previous_hash": first.hash,
    }
    _as_superuser(
        "INSERT INTO abl_auditevent (id, created_at, actor_name, action, object_type, object_id, "
        "summary, changes, previous_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, '{}', %s, %s)",
        [
            forged["id"],
            forged["created_at"],
            "system",
            forged["action"],
            "system",
            "",
            forged["summary"],
            first.hash,
            event_hash(**forged),
        ],
    )

    assert _verify_audit_fails() == (
        f"event {third.pk + 1} does not follow event {third.pk}: an event was removed or "
        f"inserted before it, or event {third.pk} was rewritten with a new hash "
        "(3 events before it are intact)"
    )


@tampers
def test_verify_audit_fails_on_a_row_inserted_without_a_hash(history):
    _as_superuser(
        "INSERT INTO abl_auditevent (created_at, actor_name, action, object_type, object_id, "
        "summary, changes, previous_hash, hash) VALUES (%s, 'x', 'x', 'x', 'x', 'x', '{}', '', '')",
        [history[0].created_at],
    )
    forged = AuditEvent.objects.order_by("-id").first()

    assert _verify_audit_fails() == (
        f"event {forged.pk} has no hash: it was written outside abl.audit.record() "
        "(3 events before it are intact)"
    )


@tampers
def test_nightly_check_on_a_broken_chain_emails_the_administrators_and_audits(
    history, bank, django_capture_on_commit_callbacks
):
    UserFactory(role="admin", organisation=bank, email="root@bank.example")
    UserFactory(role="admin", organisation=bank, email="ops@bank.example")
    UserFactory(role="admin", organisation=bank, email="gone@bank.example", is_active=False)
    UserFactory(role="admin", organisation=bank, email="")
    UserFactory(role="analyst", organisation=bank, email="analyst@bank.example")
    _as_superuser("UPDATE abl_auditevent SET summary = 'x' WHERE id = %s", [history[1].pk])
    problem = f"event {history[1].pk} was changed: its hash does not match its content"

    with django_capture_on_commit_callbacks(execute=True):
        result = verify_audit_chain_task()

    assert result == {"checked": 1, "problem": problem, "event_id": history[1].pk}
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (
            "ABL Desk: the audit trail failed verification",
            ["ops@bank.example", "root@bank.example"],
        )
    ]
    assert problem in mail.outbox[0].body
    alert = AuditEvent.objects.order_by("-id").first()
    assert (alert.action, alert.actor_name, alert.object_id, alert.summary) == (
        "audit.chain_broken",
        "system",
        str(history[1].pk),
        f"The audit trail failed verification: {problem}",
    )


def test_nightly_check_on_an_intact_chain_does_nothing(
    history, bank, django_capture_on_commit_callbacks
):
    UserFactory(role="admin", organisation=bank, email="root@bank.example")
    count = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        result = verify_audit_chain_task()

    assert result == {"checked": count, "problem": "", "event_id": None}
    assert mail.outbox == []
    assert AuditEvent.objects.count() == count


def test_verify_chain_streams_in_chunks(history, django_assert_max_num_queries, monkeypatch):
    """A million events never sit in memory: the rows come through an iterator."""
    monkeypatch.setattr("abl.services.audit.CHUNK", 1)

    with django_assert_max_num_queries(1):
        report = verify_chain()

    assert (report.checked, report.last_id) == (3, history[2].pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=AS_APP_ROLE, databases=["default", MIGRATOR])
def test_migration_seals_the_events_written_before_it(facility):
    """0010's fill: events without a hash (written before the chain existed) are sealed in id order.

    As a deployment runs it: as the owner, which alone may switch the trigger off.
    """
    from django.apps import apps

    fill_chain = import_module("abl.migrations.0010_audit_chain").fill_chain
    for n in range(3):
        AuditEvent.objects.create(actor_name="x", action="old", object_type="x", summary=str(n))

    with connections[MIGRATOR].cursor() as cursor:
        # Check the inserts' deferred foreign keys now: ALTER TABLE refuses pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connections[MIGRATOR].schema_editor() as editor:
        fill_chain(apps, editor)

    assert verify_chain().checked == 3
    with pytest.raises(Exception, match="append-only"), transaction.atomic(using=MIGRATOR):
        AuditEvent.objects.using(MIGRATOR).update(summary="the trigger is back on")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_a_transaction", [True, False], ids=["in-a-transaction", "alone"])
def test_concurrent_writers_do_not_fork_the_chain(facility, in_a_transaction):
    """Writers in a transaction of their own (as services record) and writers outside any
    (record() then makes one, so that the chain's lock lasts until its event is committed)."""
    writers, each = 4, 25
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with transaction.atomic() if in_a_transaction else contextlib.nullcontext():
                    record(actor=None, action="load", obj=facility, summary=f"{n}.{i}")
        except BaseException as error:  # reported by the assert below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = verify_chain()
    assert (report.intact, report.checked) == (True, writers * each)
    previous = list(AuditEvent.objects.values_list("previous_hash", flat=True))
    assert len(set(previous)) == writers * each
    times = list(AuditEvent.objects.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times)  # taken under the chain's lock: times follow the chain


@pytest.mark.postgres
def test_an_event_that_cannot_be_written_fails_the_callers_transaction(facility):
    """No savepoint of record()'s own: an action cannot swallow its audit failure and commit."""
    with transaction.atomic():
        record(actor=None, action="facility.viewed", obj=facility, summary="written")
        with contextlib.suppress(DataError):
            record(actor=None, action="x" * 81, obj=facility, summary="action too long")
        with pytest.raises(TransactionManagementError):
            AuditEvent.objects.count()

    assert not AuditEvent.objects.exists()
