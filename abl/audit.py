"""Writing the audit trail. Service functions call record() inside their transaction.

The trail is a hash chain. Each event's `hash` is the SHA-256 (hex) of its
canonical content, which includes the previous event's hash:

    content = {"id", "created_at", "actor_id", "actor_name", "action",
               "object_type", "object_id", "facility_id", "summary", "changes",
               "previous_hash"}
    hash = sha256(json.dumps(content, sort_keys=True, separators=(",", ":")))

JSON with sorted keys, no spaces, non-ASCII escaped as \\uXXXX (Python's
default), encoded as ASCII; `created_at` is ISO 8601 in UTC with microseconds
("2026-03-01T14:05:09.000120+00:00"); `actor_id` and `facility_id` are integers
or null. The first event's `previous_hash` is GENESIS (64 zeros). Events are
chained in id order.

Why the id is in the content: the row's every column but its own hash is
sealed, so verify_audit can say "event 1234 was changed" and mean it. The id
and `created_at` are usually assigned by the database at insert, and a hash
cannot be added afterwards (the trigger refuses UPDATE), so both are fixed
before inserting: on PostgreSQL by abl_audit_append() under the chain's lock
(`clock_timestamp()`, so times follow the chain, and the table's sequence); on
SQLite in Python (the time, and one more than the last id).

Why a lock: two writers reading the same last event would both chain to it (a
fork). On PostgreSQL the database function abl_audit_append() (migration 0021)
appends an event in one round trip: it takes a transaction-level advisory lock
(CHAIN_LOCK_KEY), held until the caller's transaction ends, draws the id, reads
the last event's hash, hashes the content and inserts the row. The next writer
gets the lock only after this one has committed, so it reads this event as the
last one, and ids follow the chain. The content's canonical text is made here
(canonical_pieces) with a gap for the time, the id and the previous hash, which
the function fills and hashes as event_hash() does. SQLite lets one transaction
write at a time; a second writer that read the last event before the first
committed cannot commit ("database is locked"), so it fails rather than forks.

The lock is held from record() to the end of the caller's transaction: a
service that records early and then does slow work holds up every other
audited write meanwhile, so record at the end where you can, and take row
locks before recording, never after (a lock taken after it can deadlock with
a service that takes the same row first and records last).
"""

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from abl.models import AuditEvent, Facility, User
from abl.writes import Write

GENESIS = "0" * 64
# Any fixed number that no other code uses with pg_advisory_xact_lock.
CHAIN_LOCK_KEY = 0x61626C5F61756474  # "abl_audt"
HASHED_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "facility_id",
    "summary",
    "changes",
    "previous_hash",
)


def event_hash(
    *,
    id: int,
    created_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    facility_id: int | None,
    summary: str,
    changes: Any,
    previous_hash: str,
) -> str:
    """SHA-256 (hex) of one event's canonical content; see the module docstring."""
    pieces = canonical_pieces(
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=object_id,
        facility_id=facility_id,
        summary=summary,
        changes=changes,
    )
    spliced = (timestamp_text(created_at), str(id), previous_hash)
    text = "".join(piece + value for piece, value in zip(pieces, (*spliced, ""), strict=True))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def timestamp_text(moment: dt.datetime) -> str:
    """`created_at` as the content holds it: ISO 8601 in UTC with microseconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


# The values the database fixes under the chain's lock, in the canonical text's key order,
# with whether each is a JSON string; canonical_pieces() leaves a gap for each.
SPLICED = {"created_at": True, "id": False, "previous_hash": True}


def canonical_pieces(**content: Any) -> tuple[str, str, str, str]:
    """An event's canonical JSON (the module docstring) but for the values of SPLICED, in the
    four pieces around them: the text is `pieces[0] + created_at + pieces[1] + id +
    pieces[2] + previous_hash + pieces[3]`, each value as timestamp_text(), str() and the hex
    digest give it. JSON with sorted keys is each key's `"key":value` in key order, so the
    gaps are found by key, never by searching the text. abl_audit_append() fills them in
    the database under the chain's lock; event_hash() in Python."""
    pieces, text = [], "{"
    for key in sorted([*content, *SPLICED]):
        text += ("" if text == "{" else ",") + _canonical(key) + ":"
        if key in SPLICED:
            quote = '"' if SPLICED[key] else ""
            pieces.append(text + quote)
            text = quote
        else:
            text += _canonical(content[key])
    pieces.append(text + "}")
    first, second, third, last = pieces
    return first, second, third, last


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def record(
    *,
    actor: User | None,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    object_id: str = "",
    facility: Facility | None = None,
    changes: dict[str, Any] | None = None,
    writes: Sequence[Write] = (),
) -> AuditEvent:
    """Append one audit event about `obj` (or, with no object, about `object_id`).

    `actor` None means the system (a task or command). `changes` holds JSON
    values without floats (amounts go in as strings): PostgreSQL can give a
    float back in another form, and the hash would no longer match.

    `writes` (abl/writes.py) are the changes the event records, written with it:
    on PostgreSQL in the same statement (data-modifying `WITH` queries), so an
    action's last writes and its event cost one round trip; elsewhere one after
    the other, before the event. They must touch only rows whose locks the
    transaction already holds (see the module docstring on locks after record()).
    """
    changes = _json_without_floats(changes or {})
    # Inside the caller's transaction no savepoint: an event that fails to be written fails
    # the whole action (nothing is done unaudited). Outside one, a transaction of its own,
    # so that the chain's lock is held until the event is committed.
    event = AuditEvent(
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        action=action,
        object_type=obj._meta.label if obj is not None else "system",
        object_id=str(obj.pk) if obj is not None else object_id,
        facility=facility,
        summary=summary,
        changes=changes,
    )
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _append(event, writes)
        else:
            with connection.cursor() as cursor:
                for write in writes:
                    cursor.execute(write.sql, write.params)
            event.id, event.previous_hash = _chain_head()
            event.created_at = timezone.now()
            event.hash = event_hash(**{name: getattr(event, name) for name in HASHED_FIELDS})
            event.save(force_insert=True)
    return event


def _append(event: AuditEvent, writes: Sequence[Write]) -> None:
    """Append `event` on PostgreSQL in one round trip, with `writes`, through
    abl_audit_append() (migration 0021): under the chain's lock it takes the time, draws the
    id, reads the last event's hash, fills them into the content's canonical text
    (canonical_pieces), hashes it and inserts the row. A VOLATILE function's statements each
    see what was committed when they start, so the last hash is read after the lock is held.
    The writes run to completion within the statement, whether before or after the
    function. Model.save() is not called: post_save is sent as it would send it (the
    dashboard's refresh listens, reporting/apps.py).
    """
    pieces = canonical_pieces(
        **{name: getattr(event, name) for name in HASHED_FIELDS if name not in SPLICED}
    )
    queries = ", ".join(f"write_{n} AS ({write.sql})" for n, write in enumerate(writes))
    append = "SELECT * FROM abl_audit_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    sql = f"WITH {queries} {append}" if writes else append
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *(param for write in writes for param in write.params),
                CHAIN_LOCK_KEY,
                GENESIS,
                list(pieces),
                event.actor_id,
                event.actor_name,
                event.action,
                event.object_type,
                event.object_id,
                event.facility_id,
                event.summary,
                _canonical(event.changes),
            ],
        )
        event.id, event.created_at, event.previous_hash, event.hash = cursor.fetchone()
    event._state.adding = False
    event._state.db = connection.alias
    post_save.send(
        sender=AuditEvent,
        instance=event,
        created=True,
        update_fields=None,
        raw=False,
        using=connection.alias,
    )


def _chain_head() -> tuple[int, str]:
    """On SQLite: the new event's id and the hash it follows (its one writing transaction at
    a time is the chain's lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(MAX(id), 0) + 1,"
            " (SELECT hash FROM abl_auditevent ORDER BY id DESC LIMIT 1) FROM abl_auditevent"
        )
        event_id, last = cursor.fetchone()
    return event_id, GENESIS if last is None else last


def _json_without_floats(value: Any) -> Any:
    """`value` as it will read back from a JSON column; floats refused."""
    text = json.dumps(value, allow_nan=False)
    return json.loads(text, parse_float=_refuse_float)


def _refuse_float(text: str) -> Any:
    raise TypeError(f"audit changes take amounts as strings, not the float {text}")
