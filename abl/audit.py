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
cannot be added afterwards (the trigger refuses UPDATE), so record() fixes both
before inserting: `created_at` in Python, the id from the table's sequence
(`nextval`) on PostgreSQL, or one more than the last id on SQLite.

Why a lock: two writers reading the same last event would both chain to it (a
fork). On PostgreSQL record() first takes a transaction-level advisory lock
(CHAIN_LOCK_KEY), held until the caller's transaction ends; the next writer
gets it only after this one has committed, so it reads this event as the last
one, and ids follow the chain. SQLite lets one transaction write at a time; a
second writer that read the last event before the first committed cannot
commit ("database is locked"), so it fails rather than forks.

The lock is held from record() to the end of the caller's transaction: a
service that records early and then does slow work holds up every other
audited write meanwhile, so record at the end where you can, and take row
locks before recording, never after (a lock taken after it can deadlock with
a service that takes the same row first and records last).
"""

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from abl.models import AuditEvent, Facility, User

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
    content = {
        "id": id,
        "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "facility_id": facility_id,
        "summary": summary,
        "changes": changes,
        "previous_hash": previous_hash,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def record(
    *,
    actor: User | None,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    object_id: str = "",
    facility: Facility | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event about `obj` (or, with no object, about `object_id`).

    `actor` None means the system (a task or command). `changes` holds JSON
    values without floats (amounts go in as strings): PostgreSQL can give a
    float back in another form, and the hash would no longer match.
    """
    changes = _json_without_floats(changes or {})
    # Inside the caller's transaction no savepoint: an event that fails to be written fails
    # the whole action (nothing is done unaudited). Outside one, a transaction of its own,
    # so that the chain's lock is held until the event is committed.
    with transaction.atomic(savepoint=False):
        event_id, previous_hash = _chain_head()
        event = AuditEvent(
            id=event_id,
            created_at=timezone.now(),
            actor=actor,
            actor_name=actor.get_username() if actor else "system",
            action=action,
            object_type=obj._meta.label if obj is not None else "system",
            object_id=str(obj.pk) if obj is not None else object_id,
            facility=facility,
            summary=summary,
            changes=changes,
            previous_hash=previous_hash,
        )
        event.hash = event_hash(**{name: getattr(event, name) for name in HASHED_FIELDS})
        event.save(force_insert=True)
    return event


def _chain_head() -> tuple[int, str]:
    """Lock the chain; the new event's id and the hash it follows, read in one query.

    The lock is a statement of its own: a statement sees the rows committed when it began,
    so a read in the lock's statement could miss the event of the writer it waited for.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('abl_auditevent', 'id')),"
                " (SELECT hash FROM abl_auditevent ORDER BY id DESC LIMIT 1)"
            )
        else:
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
