"""Writing the audit trail. Service functions call record() inside their transaction.

The trail is a set of hash chains: one per facility (the events whose
`facility_id` is that facility's) and one bank-wide (the events with no
facility), told apart by the event's `chain` (its facility's id, or
BANK_CHAIN). Each event's `hash` is the HMAC-SHA256 (hex), keyed with
AUDIT_KEY, of its canonical content, which includes the hash of the event
before it in its chain:

    content = {"id", "created_at", "business_date", "actor_id", "actor_name", "action",
               "object_type", "object_id", "facility_id", "summary", "changes",
               "previous_hash"}
    hash = hmac_sha256(audit_key(), json.dumps(content, sort_keys=True, separators=(",", ":")))

JSON with sorted keys, no spaces, non-ASCII escaped as \\uXXXX (Python's
default), encoded as ASCII; `created_at` is ISO 8601 in UTC with microseconds
("2026-03-01T14:05:09.000120+00:00"); `business_date` the business date (§1,
`abl.business_date.today()`) the event was recorded on, "2003-04-07", a key left
out for the events written before the trail kept it (null), so their hashes
still hold; `actor_id` and `facility_id` are integers or null. A chain's first event's `previous_hash` is GENESIS (64 zeros). Events
are chained in id order within their chain.

Why a key: the application's database role may INSERT into the trail, and an
unkeyed hash anyone can compute; without the key (kept on the application
servers, never in the database) a forged event cannot carry a valid hash.

Why the id is in the content: the row's every column but its own hash is
sealed, so verify_audit can say "event 1234 was changed" and mean it. The id
and `created_at` are fixed before inserting, under the chain's lock: on
PostgreSQL the table's sequence and the database's clock (so times follow each
chain); on SQLite the time in Python, and one more than the last id.

Why a lock: two writers reading the same last event of a chain would both
chain to it (a fork). On PostgreSQL record() takes a transaction-level
advisory lock for the event's chain (pg_advisory_xact_lock(LOCK_NAMESPACE,
chain)), held until the caller's transaction ends, then reads the chain's last
hash, hashes and inserts. Writers on other facilities take other locks and
never wait for it. SQLite lets one transaction write at a time; a second
writer that read the last event before the first committed cannot commit
("database is locked"), so it fails rather than forks.

The lock is held from record() to the end of the caller's transaction: take
every row lock before recording, never after (a lock taken after it can
deadlock with a service that takes the same row first and records last), and
record at the end where you can.
"""

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from abl import business_date
from abl.models import AuditEvent, Facility, User

GENESIS = "0" * 64
BANK_CHAIN = 0  # the chain of the events about no facility; facility ids start at 1
# Any fixed int4 that no other code uses as pg_advisory_xact_lock's first key.
LOCK_NAMESPACE = 0x61626C61  # "abla"
HASHED_FIELDS = (
    "id",
    "created_at",
    "business_date",
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


def audit_key() -> bytes:
    """The HMAC key: AUDIT_KEY, or one derived from SECRET_KEY where it is unset."""
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode()
    return hashlib.sha256(b"abl.audit.key:" + settings.SECRET_KEY.encode()).digest()


def sign(text: str) -> str:
    """HMAC-SHA256 (hex) of `text` (ASCII) under the audit key."""
    return hmac.new(audit_key(), text.encode("ascii"), hashlib.sha256).hexdigest()


def canonical_text(**content: Any) -> str:
    """JSON with sorted keys, no spaces, non-ASCII escaped; see the module docstring."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)


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
    business_date: dt.date | None = None,
) -> str:
    """HMAC-SHA256 (hex) of one event's canonical content; see the module docstring."""
    # An event from before the trail kept its business date is hashed as it was written.
    recorded_on = {} if business_date is None else {"business_date": business_date.isoformat()}
    return sign(
        canonical_text(
            **recorded_on,
            id=id,
            created_at=timestamp_text(created_at),
            actor_id=actor_id,
            actor_name=actor_name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            facility_id=facility_id,
            summary=summary,
            changes=changes,
            previous_hash=previous_hash,
        )
    )


def timestamp_text(moment: dt.datetime) -> str:
    """`created_at` as the content holds it: ISO 8601 in UTC with microseconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def chain_of(facility_id: int | None) -> int:
    """The chain an event about `facility_id` belongs to."""
    return BANK_CHAIN if facility_id is None else facility_id


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
    """Append one audit event about `obj` (or, with no object, about `object_id`) to the chain
    of `facility` (the bank-wide chain without one).

    `actor` None means the system (a task or command). `changes` holds JSON
    values without floats (amounts go in as strings): PostgreSQL can give a
    float back in another form, and the hash would no longer match.
    """
    changes = _json_without_floats(changes or {})
    event = AuditEvent(
        business_date=business_date.today(),
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        action=action,
        object_type=obj._meta.label if obj is not None else "system",
        object_id=str(obj.pk) if obj is not None else object_id,
        facility=facility,
        chain=chain_of(facility.pk if facility is not None else None),
        summary=summary,
        changes=changes,
    )
    # Inside the caller's transaction no savepoint: an event that fails to be written fails
    # the whole action (nothing is done unaudited). Outside one, a transaction of its own,
    # so that the chain's lock is held until the event is committed.
    with transaction.atomic(savepoint=False):
        event.id, event.created_at, event.previous_hash = _chain_head(event.chain)
        event.hash = event_hash(**{name: getattr(event, name) for name in HASHED_FIELDS})
        event.save(force_insert=True)
    return event


def _chain_head(chain: int) -> tuple[int, dt.datetime, str]:
    """The new event's id and time, and the hash it follows, read under the chain's lock."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two statements: the second's snapshot is taken after the lock is held, so it
            # sees the event of the writer this one waited for.
            cursor.execute(
                "SELECT pg_catalog.pg_advisory_xact_lock(%s, %s)",
                [LOCK_NAMESPACE, _lock_key(chain)],
            )
            cursor.execute(
                "SELECT pg_catalog.nextval(pg_catalog.pg_get_serial_sequence("
                "'public.abl_auditevent', 'id')), pg_catalog.clock_timestamp(),"
                " (SELECT hash FROM public.abl_auditevent WHERE chain = %s"
                " ORDER BY id DESC LIMIT 1)",
                [chain],
            )
            event_id, moment, last = cursor.fetchone()
        else:
            # SQLite's one writing transaction at a time is the lock.
            cursor.execute(
                "SELECT COALESCE(MAX(id), 0) + 1,"
                " (SELECT hash FROM abl_auditevent WHERE chain = %s ORDER BY id DESC LIMIT 1)"
                " FROM abl_auditevent",
                [chain],
            )
            event_id, last = cursor.fetchone()
            moment = timezone.now()
    return event_id, moment, GENESIS if last is None else last


def _lock_key(chain: int) -> int:
    """The advisory lock's second key (an int4): chains share a lock only past 2**31."""
    return chain % 2**31


def _json_without_floats(value: Any) -> Any:
    """`value` as it will read back from a JSON column; floats refused."""
    text = json.dumps(value, allow_nan=False)
    return json.loads(text, parse_float=_refuse_float)


def _refuse_float(text: str) -> Any:
    raise TypeError(f"audit changes take amounts as strings, not the float {text}")
