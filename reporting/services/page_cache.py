"""Page parts kept in the shared cache against the version of the data they show.

The dashboard's table is read far more often than it changes: it changes when a
refresh stores new lines, or when an audited action changes who covers a
facility, its name or the people's roles. So the rendered part is kept under a
key holding `data_version()`, the audit trail's newest event and the
refreshes' count (`PositionsRevision`), both of which move only in the order
their transactions commit (the audit chain's lock, the count's row lock). A
reader reads the version first, then the data: what it renders is at least as
new as the version it is stored under, so a key never holds data older than it
names. A change moves the version, and the next reader renders afresh; nothing
is deleted. `ABL_PAGE_CACHE_SECONDS` bounds how long a part lives, so a change
made around the services (a shell) shows after it; 0 turns the cache off.

The cache is Django's (`CACHES`: Redis when `REDIS_URL` is set, shared by every
web process; in-process memory otherwise). A cache that cannot be reached is
logged and the part rendered, never an error page.
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from abl.models import AuditEvent
from reporting.models import PositionsRevision

logger = logging.getLogger(__name__)
T = TypeVar("T")


def data_version() -> tuple[int, int]:
    """The audit trail's newest event id and the dashboard lines' refresh count, one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(id) FROM {AuditEvent._meta.db_table}), "  # noqa: S608 (models' tables)
            f"(SELECT number FROM {PositionsRevision._meta.db_table} WHERE id = 1)"
        )
        newest_event, refreshes = cursor.fetchone()
    return newest_event or 0, refreshes or 0


def cached_part(name: str, parts: Iterable[object], render: Callable[[], T]) -> T:
    """`render()`'s result (HTML, or a few strings of it), kept under `name`, the data's version
    and `parts` (everything else it depends on: the user, the business date, the query). What
    `render()` raises is not kept."""
    seconds = settings.ABL_PAGE_CACHE_SECONDS
    if not seconds:
        return render()
    newest_event, refreshes = data_version()
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:32]
    key = f"{name}:{newest_event}:{refreshes}:{digest}"
    try:
        kept: T | None = cache.get(key)
    except Exception:  # the cache is a saving, never a failure
        logger.warning("page cache unreachable; rendering %s", name, exc_info=True)
        return render()
    if kept is not None:
        return kept
    made = render()
    try:
        cache.set(key, made, seconds)
    except Exception:
        logger.warning("page cache unreachable; %s not kept", name, exc_info=True)
    return made
