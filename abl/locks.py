"""The application's one lock order, and the helpers that take the facility's lock.

Every service and task that changes a facility, or records an audit event about
one, takes its locks in this order, in one transaction:

1. the facility's row (`lock_facility`; several facilities: `lock_facilities`,
   in id order), `SELECT ... FOR UPDATE`;
2. then the rows of that facility it changes: an advance request, a
   certificate, a due item, the cadence, ... (the ledger is appended to under
   the facility's lock alone);
3. and last the audit chain's lock, which `abl.audit.record()` takes and holds
   to the end of the transaction.

Nothing is locked after `record()`. A transaction that held the chain and then
waited for a facility's row would deadlock with one that holds the row and
waits for the chain; even the foreign key of an audit event, a due item or a
switch takes a share lock on its facility's row, so the row is locked first,
not merely read. Rows of a facility written after `record()` (a due item
fulfilled with a certificate's submission) are only ever written by
transactions that hold the facility's lock, so they never wait there.

docs/architecture.md ("Lock order") is the same rule for readers of the map.
"""

from collections.abc import Iterable

from abl.models import Facility


def lock_facility(facility: Facility | int) -> Facility:
    """The facility's row, locked to the end of the transaction (step 1 above), fresh."""
    pk = facility if isinstance(facility, int) else facility.pk
    return Facility.objects.select_for_update().get(pk=pk)


def lock_facilities(ids: Iterable[int] | None = None) -> list[Facility]:
    """These facilities' rows (every facility when None), locked in id order: two
    transactions locking overlapping sets never wait on each other in opposite orders."""
    locked = Facility.objects.select_for_update().order_by("pk")
    if ids is not None:
        locked = locked.filter(pk__in=list(ids))
    return list(locked)
