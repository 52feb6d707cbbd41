"""The audit trail's hash chains: one per facility and one bank-wide, keyed, written under a
lock per chain, verified by verify_audit against a signed anchor of their heads, checked and
anchored nightly.

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
import hmac
import json
import threading
from importlib import import_module
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, OperationalError, connection, connections, transaction
from django.db.transaction import TransactionManagementError

from abl.audit import BANK_CHAIN, GENESIS, HASHED_FIELDS, LOCK_NAMESPACE, event_hash, record
from abl.models import AuditEvent
from abl.services.audit import verify_trail
from abl.tasks import verify_audit_chain_task
from tests.factories import FacilityFactory, UserFactory

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


def _chain(facility) -> str:
    return f"facility {facility.pk}'s chain"


def _unkeyed_hash(**content) -> str:
    """The hash anyone can compute (SHA-256 of the canonical content), as the trail once held."""
    content["created_at"] = (
        content["created_at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    )
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


INSERT = (
    "INSERT INTO abl_auditevent (id, created_at, actor_name, action, object_type, object_id, "
    "facility_id, chain, summary, changes, previous_hash, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '{}', %s, %s)"
)


def _forged(after: AuditEvent, *, summary: str, created_at: dt.datetime) -> dict:
    """An event's content chained after `after`, as the application's role could write it."""
    return {
        "id": AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() + 1,
        "created_at": created_at,
        "actor_id": None,
        "actor_name": "system",
        "action": "advance.approved",
        "object_type": "system",
        "object_id": "",
        "facility_id": after.facility_id,
        "summary": summary,
        "changes": {},
        "previous_hash": after.hash,
    }


def _insert(forged: dict, digest: str) -> None:
    """Insert as the application's role may (INSERT is all it needs)."""
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [
                forged["id"],
                forged["created_at"],
                forged["actor_name"],
                forged["action"],
                forged["object_type"],
                forged["object_id"],
                forged["facility_id"],
                forged["facility_id"] or BANK_CHAIN,
                forged["summary"],
                forged["previous_hash"],
                digest,
            ],
        )


@pytest.fixture
def history(analyst, facility):
    """Three events on the facility's chain, as services write them."""
    return [
        record(
            actor=analyst,
            action="facility.viewed",
            obj=facility,
            facility=facility,
            summary="Looked",
        ),
        record(
            actor=None,
            action="collateral.accepted",
            obj=facility,
            facility=facility,
            summary="Receivables: 2 rows",
            changes={"rows": 2, "total": "1,234.56", "names": ["Zoë", "Ünal"]},
        ),
        record(
            actor=analyst,
            action="facility.viewed",
            obj=facility,
            facility=facility,
            summary="Looked again",
        ),
    ]


def test_event_hash_is_the_hmac_sha256_of_the_canonical_json_under_the_audit_key(settings):
    settings.AUDIT_KEY = "a-key-of-the-application-servers"
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
    keyed = hmac.new(b"a-key-of-the-application-servers", canonical.encode("ascii"), "sha256")

    assert event_hash(**content) == keyed.hexdigest()


def test_record_stamps_the_business_date_beside_the_system_time(settings, facility):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    event = record(actor=None, action="a", obj=facility, facility=facility, summary="1")

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.business_date == dt.date(2003, 4, 7)
    assert stored.created_at.year != 2003  # the system time, kept beside it


def test_event_hash_covers_the_business_date():
    content = dict.fromkeys(HASHED_FIELDS) | {
        "id": 1,
        "created_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        "business_date": dt.date(2003, 4, 7),
        "previous_hash": GENESIS,
    }

    assert event_hash(**content) != event_hash(**content | {"business_date": dt.date(2003, 4, 8)})


def test_event_hash_of_an_event_without_a_business_date_is_as_it_was_written():
    """Events from before the trail kept the business date still verify: the key is left out."""
    content = dict.fromkeys(HASHED_FIELDS) | {
        "id": 1,
        "created_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        "previous_hash": GENESIS,
    }
    as_written = {k: v for k, v in content.items() if k != "business_date"}

    assert event_hash(**content) == event_hash(**as_written)


def test_event_hash_covers_the_previous_hash():
    content = dict.fromkeys(HASHED_FIELDS) | {
        "id": 1,
        "created_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        "previous_hash": GENESIS,
    }

    assert event_hash(**content) != event_hash(**content | {"previous_hash": "1" * 64})


@tampers
def test_verify_audit_fails_on_an_event_moved_to_follow_another_previous_hash(history):
    """Its previous hash is sealed in its own hash: rewritten alone, the event no longer matches."""
    _, second, _ = history
    _as_superuser(
        "UPDATE abl_auditevent SET previous_hash = %s WHERE id = %s", ["1" * 64, second.pk]
    )

    assert _verify_audit_fails() == (
        f"{_chain(second.facility)}: event {second.pk} was changed, or written without the "
        "audit key: its hash does not match its content"
    )


def test_record_chains_each_event_to_the_one_before_in_its_chain(history):
    stored = list(AuditEvent.objects.order_by("id").values(*HASHED_FIELDS, "hash", "chain"))

    assert [row["previous_hash"] for row in stored] == [GENESIS] + [e.hash for e in history[:2]]
    assert [row["hash"] for row in stored] == [e.hash for e in history]
    assert [row["chain"] for row in stored] == [history[0].facility_id] * 3
    assert [event_hash(**{k: row[k] for k in HASHED_FIELDS}) for row in stored] == [
        e.hash for e in history
    ]


def test_each_facility_and_the_bank_have_a_chain_of_their_own(facility):
    other = FacilityFactory()
    events = [
        record(actor=None, action="a", obj=facility, facility=facility, summary="1"),
        record(actor=None, action="a", obj=other, facility=other, summary="2"),
        record(actor=None, action="a", object_id="bank", summary="3"),
        record(actor=None, action="a", obj=facility, facility=facility, summary="4"),
        record(actor=None, action="a", object_id="bank", summary="5"),
    ]

    assert [(e.chain, e.previous_hash) for e in events] == [
        (facility.pk, GENESIS),
        (other.pk, GENESIS),
        (BANK_CHAIN, GENESIS),
        (facility.pk, events[0].hash),
        (BANK_CHAIN, events[2].hash),
    ]
    report = verify_trail()
    assert report.intact
    assert [(h.chain, h.count, h.last_id) for h in report.heads] == [
        (BANK_CHAIN, 2, events[4].pk),
        (facility.pk, 2, events[3].pk),
        (other.pk, 1, events[1].pk),
    ]


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
    count = AuditEvent.objects.count()
    chains = AuditEvent.objects.values("chain").distinct().count()

    assert count > 3
    assert _verify_audit() == (
        f"{count} audit events in {chains} chains, every chain intact; "
        f"no anchor yet in {settings.AUDIT_ANCHOR_PATH}\n"
    )


def test_verify_audit_on_an_empty_trail_says_so():
    assert _verify_audit() == (
        f"0 audit events in 0 chains, every chain intact; "
        f"no anchor yet in {settings.AUDIT_ANCHOR_PATH}\n"
    )


def test_verify_audit_anchors_the_heads_when_asked_and_checks_against_them(history):
    first = StringIO()
    call_command("verify_audit", "--anchor", stdout=first)
    anchor = json.loads(settings.AUDIT_ANCHOR_PATH.read_text())
    record(
        actor=None,
        action="later",
        obj=history[0].facility,
        facility=history[0].facility,
        summary="x",
    )

    assert anchor["chains"] == [
        {
            "chain": history[0].facility_id,
            "count": 3,
            "last_id": history[2].pk,
            "last_hash": history[2].hash,
        }
    ]
    assert first.getvalue().endswith(f"Anchored the heads of 1 chains at {anchor['at']}\n")
    assert _verify_audit() == (
        f"4 audit events in 1 chains, every chain intact; checked against the anchor of {anchor['at']}\n"
    )


@tampers
def test_verify_audit_fails_on_an_edited_row(history):
    _as_superuser(
        "UPDATE abl_auditevent SET summary = 'Nothing here' WHERE id = %s", [history[1].pk]
    )

    assert _verify_audit_fails() == (
        f"{_chain(history[1].facility)}: event {history[1].pk} was changed, or written without "
        "the audit key: its hash does not match its content"
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
        f"{_chain(second.facility)}: event {third.pk} does not follow event {second.pk}: an "
        f"event was removed or inserted before it, or event {second.pk} was rewritten with a "
        "new hash"
    )


@tampers
def test_verify_audit_fails_on_a_deleted_row(history):
    first, second, third = history
    _as_superuser("DELETE FROM abl_auditevent WHERE id = %s", [second.pk])

    assert _verify_audit_fails() == (
        f"{_chain(first.facility)}: event {third.pk} does not follow event {first.pk}: an event "
        f"was removed or inserted before it, or event {first.pk} was rewritten with a new hash"
    )


@tampers
def test_verify_audit_fails_when_the_first_row_is_deleted(history):
    _as_superuser("DELETE FROM abl_auditevent WHERE id = %s", [history[0].pk])

    assert _verify_audit_fails().startswith(
        f"{_chain(history[0].facility)}: event {history[1].pk} does not follow the start of the "
        "chain: an event was removed"
    )


@tampers
def test_verify_audit_names_the_first_bad_event_of_every_chain(history, facility):
    other = FacilityFactory()
    others = [
        record(actor=None, action="a", obj=other, facility=other, summary=str(n)) for n in range(3)
    ]
    _as_superuser(
        "UPDATE abl_auditevent SET summary = 'x' WHERE id IN (%s, %s, %s)",
        [history[1].pk, history[2].pk, others[2].pk],
    )

    assert _verify_audit_fails() == "\n".join(
        [
            f"{_chain(facility)}: event {history[1].pk} was changed, or written without the audit "
            "key: its hash does not match its content",
            f"{_chain(other)}: event {others[2].pk} was changed, or written without the audit "
            "key: its hash does not match its content",
        ]
    )


@pytest.mark.parametrize("key", ["none", "another"])
def test_verify_audit_fails_on_an_event_forged_without_the_audit_key(history, key):
    """The application's role may insert; chained after the head, back-dated, with the hash
    anyone can compute (or one under another key), the event is still found."""
    third = history[2]
    forged = _forged(third, summary="Approved long ago", created_at=history[0].created_at)
    digest = (
        _unkeyed_hash(**forged)
        if key == "none"
        else hmac.new(b"a guessed key", b"anything", "sha256").hexdigest()
    )
    _insert(forged, digest)

    assert _verify_audit_fails() == (
        f"{_chain(third.facility)}: event {forged['id']} was changed, or written without the "
        "audit key: its hash does not match its content"
    )


@tampers
def test_verify_audit_fails_on_a_row_inserted_without_a_hash(history):
    _as_superuser(
        "INSERT INTO abl_auditevent (created_at, actor_name, action, object_type, object_id, "
        "facility_id, chain, summary, changes, previous_hash, hash) "
        "VALUES (%s, 'x', 'x', 'x', 'x', %s, %s, 'x', '{}', '', '')",
        [history[0].created_at, history[0].facility_id, history[0].facility_id],
    )
    forged = AuditEvent.objects.order_by("-id").first()

    assert _verify_audit_fails() == (
        f"{_chain(history[0].facility)}: event {forged.pk} has no hash: it was written outside "
        "abl.audit.record()"
    )


@tampers
def test_verify_audit_fails_on_an_event_moved_to_another_chain(history):
    _as_superuser("UPDATE abl_auditevent SET chain = 0 WHERE id = %s", [history[2].pk])

    assert _verify_audit_fails() == (
        f"the bank-wide chain: event {history[2].pk} belongs to {_chain(history[2].facility)}"
    )


@tampers
def test_verify_audit_finds_the_newest_events_deleted_since_the_anchor(history):
    call_command("verify_audit", "--anchor", stdout=StringIO())
    anchored_at = json.loads(settings.AUDIT_ANCHOR_PATH.read_text())["at"]
    first, second, third = history
    _as_superuser("DELETE FROM abl_auditevent WHERE id IN (%s, %s)", [second.pk, third.pk])

    assert _verify_audit_fails() == (
        f"{_chain(first.facility)}: event {third.pk} is missing: the anchor of {anchored_at} has "
        f"the chain end there, after 3 events; it now ends at event {first.pk} (1 events): its "
        "newest events were deleted"
    )


@tampers
def test_verify_audit_finds_an_emptied_trail(history):
    bank_event = record(actor=None, action="a", object_id="bank", summary="bank-wide")
    call_command("verify_audit", "--anchor", stdout=StringIO())
    anchored_at = json.loads(settings.AUDIT_ANCHOR_PATH.read_text())["at"]
    _as_superuser("DELETE FROM abl_auditevent")

    assert _verify_audit_fails() == "\n".join(
        [
            f"the bank-wide chain: event {bank_event.pk} is missing: the anchor of {anchored_at} "
            "has the chain end there, after 1 events; it now has no events: it was emptied",
            f"{_chain(history[0].facility)}: event {history[2].pk} is missing: the anchor of "
            f"{anchored_at} has the chain end there, after 3 events; it now has no events: it "
            "was emptied",
        ]
    )


@tampers
def test_verify_audit_reports_a_tampered_anchor_and_does_not_trust_it(history):
    """The newest event deleted, and the last anchor rewritten to end before it: the rewritten
    line is named and ignored, and the anchor before it still finds the deletion."""
    first, second, third = history
    call_command("verify_audit", "--anchor", stdout=StringIO())
    call_command("verify_audit", "--anchor", stdout=StringIO())
    earlier, later = settings.AUDIT_ANCHOR_PATH.read_text().splitlines()
    lowered = json.loads(later)
    lowered["chains"][0].update(count=2, last_id=second.pk, last_hash=second.hash)
    settings.AUDIT_ANCHOR_PATH.write_text(earlier + "\n" + json.dumps(lowered) + "\n")
    _as_superuser("DELETE FROM abl_auditevent WHERE id = %s", [third.pk])

    assert _verify_audit_fails() == "\n".join(
        [
            f"{_chain(first.facility)}: event {third.pk} is missing: the anchor of "
            f"{json.loads(earlier)['at']} has the chain end there, after 3 events; it now ends "
            f"at event {second.pk} (2 events): its newest events were deleted",
            f"anchor line 2 of {settings.AUDIT_ANCHOR_PATH} is not signed with the audit key: it "
            "was changed or written by someone else, and is not trusted",
        ]
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
    problem = (
        f"{_chain(history[1].facility)}: event {history[1].pk} was changed, or written without "
        "the audit key: its hash does not match its content"
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = verify_audit_chain_task()

    assert result == {"checked": 0, "chains": 0, "problems": [problem]}
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (
            "ABL Desk: the audit trail failed verification",
            ["ops@bank.example", "root@bank.example"],
        )
    ]
    assert problem in mail.outbox[0].body
    alert = AuditEvent.objects.order_by("-id").first()
    assert (alert.action, alert.actor_name, alert.object_id, alert.chain, alert.summary) == (
        "audit.chain_broken",
        "system",
        str(history[1].pk),
        BANK_CHAIN,
        f"The audit trail failed verification: {problem}",
    )
    assert not settings.AUDIT_ANCHOR_PATH.exists()  # a broken trail is never anchored


def test_nightly_check_on_an_intact_trail_anchors_its_heads_and_sends_nothing(
    history, bank, django_capture_on_commit_callbacks
):
    UserFactory(role="admin", organisation=bank, email="root@bank.example")
    count = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        result = verify_audit_chain_task()

    assert result == {"checked": count, "chains": 1, "problems": []}
    assert mail.outbox == []
    assert AuditEvent.objects.count() == count
    (line,) = settings.AUDIT_ANCHOR_PATH.read_text().splitlines()
    assert json.loads(line)["chains"] == [
        {
            "chain": history[0].facility_id,
            "count": 3,
            "last_id": history[2].pk,
            "last_hash": history[2].hash,
        }
    ]


@tampers
def test_the_next_night_finds_the_events_deleted_since_the_last(
    history, bank, django_capture_on_commit_callbacks
):
    UserFactory(role="admin", organisation=bank, email="root@bank.example")
    verify_audit_chain_task()  # the first night anchors the three events
    anchored_at = json.loads(settings.AUDIT_ANCHOR_PATH.read_text())["at"]
    _as_superuser("DELETE FROM abl_auditevent WHERE id = %s", [history[2].pk])

    with django_capture_on_commit_callbacks(execute=True):
        result = verify_audit_chain_task()

    problem = (
        f"{_chain(history[0].facility)}: event {history[2].pk} is missing: the anchor of "
        f"{anchored_at} has the chain end there, after 3 events; it now ends at event "
        f"{history[1].pk} (2 events): its newest events were deleted"
    )
    assert result["problems"] == [problem]
    assert [m.to for m in mail.outbox] == [["root@bank.example"]]
    assert problem in mail.outbox[0].body
    assert len(settings.AUDIT_ANCHOR_PATH.read_text().splitlines()) == 1


def test_verify_trail_streams_in_chunks(history, django_assert_max_num_queries, monkeypatch):
    """A million events never sit in memory: the rows come through an iterator."""
    monkeypatch.setattr("abl.services.audit.CHUNK", 1)

    with django_assert_max_num_queries(1):
        report = verify_trail()

    assert [(h.count, h.last_id) for h in report.heads] == [(3, history[2].pk)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=AS_APP_ROLE, databases=["default", MIGRATOR])
def test_migration_reseals_the_single_chain_into_a_chain_per_facility(facility):
    """0022: the trail as 0010-0021 wrote it (one chain, unkeyed) is checked and re-sealed.

    As a deployment runs it: as the owner, which alone may switch the trigger off.
    """
    from django.apps import apps

    migration = import_module("abl.migrations.0022_audit_chain_per_facility")
    previous = GENESIS
    for n, about in enumerate([facility, None, facility]):
        # The content as 0010-0021 hashed it: no business date yet.
        old = dict.fromkeys(set(HASHED_FIELDS) - {"business_date"}) | {
            "id": 1000 + n,
            "created_at": dt.datetime(2026, 3, 1, 9, n, tzinfo=dt.UTC),
            "actor_name": "x",
            "action": "old",
            "object_type": "x",
            "object_id": "",
            "facility_id": about.pk if about else None,
            "summary": str(n),
            "changes": {},
            "previous_hash": previous,
        }
        previous = migration.unkeyed_hash(**old)
        AuditEvent.objects.create(**old, hash=previous)

    with connections[MIGRATOR].cursor() as cursor:
        # Check the inserts' deferred foreign keys now: ALTER TABLE refuses pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connections[MIGRATOR].schema_editor() as editor:
        migration.into_chains(apps, editor)

    report = verify_trail()
    assert report.intact
    assert [(h.chain, h.count, h.last_id) for h in report.heads] == [
        (BANK_CHAIN, 1, 1001),
        (facility.pk, 2, 1002),
    ]
    with pytest.raises(Exception, match="append-only"), transaction.atomic(using=MIGRATOR):
        AuditEvent.objects.using(MIGRATOR).update(summary="the trigger is back on")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=AS_APP_ROLE, databases=["default", MIGRATOR])
def test_migration_refuses_to_reseal_a_broken_chain(facility):
    from django.apps import apps

    migration = import_module("abl.migrations.0022_audit_chain_per_facility")
    AuditEvent.objects.create(
        id=1000,
        actor_name="x",
        action="old",
        object_type="x",
        summary="0",
        hash="f" * 64,
        previous_hash=GENESIS,
    )

    with (
        pytest.raises(RuntimeError, match="The audit trail is broken at event 1000"),
        connections[MIGRATOR].schema_editor() as editor,
    ):
        migration.into_chains(apps, editor)

    assert AuditEvent.objects.get().hash == "f" * 64


def _other_session() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )


@pytest.mark.postgres
def test_appends_on_different_facilities_do_not_wait_for_each_other(facility):
    """Another session holds one facility's chain lock (as a writer mid-transaction does): an
    append on another facility goes ahead; one on the same facility waits for it."""
    other = FacilityFactory()
    with _other_session() as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, facility.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        event = record(actor=None, action="a", obj=other, facility=other, summary="goes ahead")
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            _record_waiting_at_most_200ms(facility)
        holder.rollback()

    assert (event.chain, event.previous_hash) == (other.pk, GENESIS)


def _record_waiting_at_most_200ms(facility) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '200ms'")
    record(actor=None, action="a", obj=facility, facility=facility, summary="waits")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_a_transaction", [True, False], ids=["in-a-transaction", "alone"])
def test_concurrent_writers_do_not_fork_a_chain(facility, in_a_transaction):
    """Writers on one facility and on another, in a transaction of their own (as services
    record) and outside any (record() then makes one, so that the chain's lock lasts until its
    event is committed)."""
    facilities = [facility, FacilityFactory()]
    writers, each = 4, 25
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        about = facilities[n % 2]
        try:
            start.wait()
            for i in range(each):
                with transaction.atomic() if in_a_transaction else contextlib.nullcontext():
                    record(actor=None, action="load", obj=about, facility=about, summary=f"{n}.{i}")
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
    report = verify_trail()
    assert report.intact
    assert sorted((h.chain, h.count) for h in report.heads) == [
        (facilities[0].pk, writers * each // 2),
        (facilities[1].pk, writers * each // 2),
    ]
    previous = list(AuditEvent.objects.values_list("previous_hash", flat=True))
    assert len(set(previous)) == writers * each - 1  # GENESIS begins both chains, once each
    for about in facilities:
        times = list(
            AuditEvent.objects.filter(chain=about.pk)
            .order_by("id")
            .values_list("created_at", flat=True)
        )
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
