"""The audit trail as CSV: the filtered events, newest first, written a chunk of rows at a time."""

import csv
import io
import json
from collections.abc import Iterator

from django.db.models import QuerySet

from abl.audit import timestamp_text
from abl.exports import safe_text
from abl.models import AuditEvent

HEADER = (
    "event",
    "business date",
    "system time (UTC)",
    "user",
    "action",
    "object",
    "facility",
    "summary",
    "changes",
    "previous hash",
    "hash",
)
FIELDS = (
    "id",
    "business_date",
    "created_at",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "facility__name",
    "summary",
    "changes",
    "previous_hash",
    "hash",
)
CHUNK = 1000


def audit_csv_chunks(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (for Excel); the text no spreadsheet evaluates (safe_text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    yield "\ufeff".encode() + _take(buffer)
    rows = events.values_list(*FIELDS).iterator(chunk_size=CHUNK)
    for n, row in enumerate(rows, start=1):
        writer.writerow(_line(*row))
        if n % CHUNK == 0:
            yield _take(buffer)
    yield _take(buffer)


def _line(
    event_id, on, at, user, action, object_type, object_id, facility, summary, changes, *hashes
) -> list[str]:
    return [
        str(event_id),
        on.isoformat() if on else "",
        timestamp_text(at),
        safe_text(user),
        safe_text(action),
        safe_text(f"{object_type} {object_id}".strip()),
        safe_text(facility or ""),
        safe_text(summary),
        safe_text(json.dumps(changes, sort_keys=True)),
        *hashes,
    ]


def _take(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data
