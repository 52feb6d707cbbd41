"""Processing a received collateral file: claimed, read, stored, accepted or refused.

A worker claims the file (a compare-and-set on its status), reads and checks
every row, writes the rows, and then, in one transaction, accepts the file and
recomputes the draft once nothing else is pending. A refused file keeps its
problems but neither its bytes nor any row.

The claim carries a heartbeat renewed at each step and an attempt number. A
claim whose heartbeat is older than ``ABL_FILE_CLAIM_TIMEOUT`` belongs to a
worker that died: the task, redelivered, may take it again, and the periodic
sweep (:func:`sweep_stuck_files`) re-queues it or, after
``ABL_FILE_MAX_ATTEMPTS``, refuses it with a message. Every write after the
claim checks the attempt number, so a worker that lost its claim changes
nothing.

The last file uploaded wins: a file that finishes while a newer file of the
same kind is queued, processing or accepted on the same draft is marked
replaced and never used, whatever the order in which the two finish.
"""

import datetime as dt
import enum
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from abl import bulk
from abl.audit import record
from abl.calc.money import from_cents, money_text
from abl.locks import lock_facility
from abl.models import Certificate, CollateralFile, InventoryItem, Invoice, Payable
from abl.readers import CollateralFileError
from abl.readers.errors import printable
from abl.reading import read_collateral
from abl.services.errors import CertificateError

log = logging.getLogger(__name__)
Kind = CollateralFile.Kind
Status = CollateralFile.Status
PENDING = (Status.QUEUED, Status.PROCESSING)
# A newer file in one of these states takes the place of an older one.
SUPERSEDING = (Status.QUEUED, Status.PROCESSING, Status.ACCEPTED)
INTERRUPTED = (
    "Checking this file was interrupted {attempts} times (the worker stopped); "
    "nothing from it was kept. Please upload it again."
)
FAILED = (
    "This file could not be stored or computed because of an error on our side; "
    "nothing from it was kept and the error was logged. Please upload it again."
)


class Outcome(enum.Enum):
    DONE = "done"  # accepted, refused or replaced by this run
    BUSY = "busy"  # another worker holds a live claim: try again later
    NOTHING = "nothing"  # already finished, or gone


def pending_files(certificate: Certificate) -> int:
    return certificate.files.filter(status__in=PENDING).count()


@dataclass(frozen=True)
class Claim:
    """This run's hold on a file: writes after the claim check that it still holds."""

    file_id: int
    attempt: int

    def mine(self) -> Any:
        return CollateralFile.objects.filter(
            pk=self.file_id, status=Status.PROCESSING, attempts=self.attempt
        )

    def beat(self, progress: int, stage: str) -> bool:
        """Renew the claim with the progress shown; False when it was lost."""
        return bool(self.mine().update(progress=progress, stage=stage, heartbeat_at=timezone.now()))


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.ABL_FILE_CLAIM_TIMEOUT)


def claim_file(file_id: int) -> Claim | Outcome:
    """Take a queued file, or one whose worker's claim went stale; else say why not."""
    stale = Q(status=Status.PROCESSING) & (
        Q(heartbeat_at__lt=_stale_before()) | Q(heartbeat_at__isnull=True)
    )
    with transaction.atomic():
        current = (
            CollateralFile.objects.select_for_update()
            .filter(pk=file_id)
            .filter(Q(status=Status.QUEUED) | stale)
            .values_list("attempts", flat=True)
            .first()
        )
        if current is None:
            live = CollateralFile.objects.filter(pk=file_id, status=Status.PROCESSING).exists()
            return Outcome.BUSY if live else Outcome.NOTHING
        CollateralFile.objects.filter(pk=file_id).update(
            status=Status.PROCESSING,
            attempts=F("attempts") + 1,
            heartbeat_at=timezone.now(),
            progress=5,
            stage="Reading and checking every row",
        )
    return Claim(file_id, current + 1)


def process_collateral_file(
    *,
    file_id: int,
    frame: pl.DataFrame | None = None,
    frames: dict[str, pl.DataFrame] | None = None,
) -> Outcome:
    """Claim, read, check and store one file, then accept it (and recompute) or refuse it.

    `frame` is the file already read and checked (the command line reads every
    file before saving anything); `frames`, the draft's other new files already
    read, by kind, so recomputing need not read them again. Safe to run twice,
    and after a worker died: only the run that holds the claim does the work.
    """
    claim = claim_file(file_id)
    if isinstance(claim, Outcome):
        return claim
    collateral = CollateralFile.objects.select_related("certificate__facility").get(pk=file_id)
    if frame is None:
        try:
            frame = read_collateral(
                collateral.kind,
                Path(collateral.stored.path),
                filename=collateral.original_name,
                as_of=collateral.certificate.as_of,
            )
        except CollateralFileError as error:
            problems = [
                {"row": p.row, "column": p.column, "message": p.message} for p in error.problems
            ]
            refuse_file(claim=claim, problems=problems, more=error.more)
            return Outcome.DONE
    try:
        if claim.beat(40, f"Storing {frame.height:,} rows"):
            if claim.attempt > 1:
                delete_rows(collateral)  # what a worker that died had written
            _store_rows(claim, collateral, frame)
            accept_file(claim=claim, frame=frame, frames=frames)
    except CertificateError as error:  # the figures cannot be computed, for a reason we can say
        refuse_file(claim=claim, problems=[{"row": None, "column": None, "message": str(error)}])
    except ClaimLost:
        pass  # another run holds the file now; it does the work
    except Exception:
        log.exception("Storing collateral file %s failed", file_id)
        refuse_file(claim=claim, problems=[{"row": None, "column": None, "message": FAILED}])
    return Outcome.DONE


def _store_rows(claim: Claim, collateral: CollateralFile, frame: pl.DataFrame) -> None:
    table, prepared, binary = _rows_for_table(collateral, frame)

    def progress(done: int, total: int) -> None:
        if not claim.beat(
            40 + int(50 * done / max(total, 1)), f"Stored {done:,} of {total:,} rows"
        ):
            raise ClaimLost(claim.file_id)

    # Progress written inside a transaction (the command line's) is seen by
    # nobody; there the rows go as one COPY instead of one per chunk.
    visible = not transaction.get_connection().in_atomic_block
    bulk.copy_partition(
        table,
        "file_id",
        collateral.pk,
        prepared,
        binary=binary,
        progress=progress if visible else None,
    )


class ClaimLost(Exception):
    """Another run took the file over; this one stops and changes nothing more."""


def _rows_for_table(
    collateral: CollateralFile, frame: pl.DataFrame
) -> tuple[str, pl.DataFrame, bool]:
    """The table, the rows as its columns, and whether they can go as binary COPY."""
    file_id = pl.lit(collateral.pk, dtype=pl.Int64).alias("file_id")
    if collateral.kind == Kind.RECEIVABLES:
        # In the drill-down's order (customer, then row), so that a customer's
        # rows lie together and the BRIN index finds them. The reader's rows come
        # in row order; a stable sort by customer keeps it.
        rows = (
            frame.lazy()
            .select(
                file_id,
                "customer_id",
                pl.col("row").cast(pl.Int32),
                "invoice_number",
                "invoice_date",
                "due_date",
                "amount_cents",
            )
            .sort("customer_id", maintain_order=True)
            .with_row_index("seq")
            .with_columns(pl.col("seq").cast(pl.Int32))
            .collect()
        )
        return Invoice._meta.db_table, rows, True
    if collateral.kind == Kind.INVENTORY:
        # The reader's columns are the table's, but for the value: cents → decimal text.
        columns = [
            bulk.cents_as_text(c).alias("value") if c == "value_cents" else pl.col(c)
            for c in frame.columns
        ]
        return InventoryItem._meta.db_table, frame.select(file_id, *columns), False
    return (
        Payable._meta.db_table,
        frame.select(
            file_id,
            "row",
            "customer_id",
            "vendor_name",
            bulk.cents_as_text("amount_cents").alias("amount"),
        ),
        False,
    )


def _total_cents(frame: pl.DataFrame, kind: str) -> int:
    column = "value_cents" if kind == Kind.INVENTORY else "amount_cents"
    return int(frame[column].sum() or 0)


@transaction.atomic
def accept_file(
    *, claim: Claim, frame: pl.DataFrame, frames: dict[str, pl.DataFrame] | None = None
) -> None:
    """Accept the stored file and recompute its draft, or set it aside if it lost its place.

    One transaction: if the figures cannot be computed, nothing of the
    acceptance stays (the caller then refuses the file).
    """
    collateral = _lock(claim)
    if collateral is None:
        return
    certificate = Certificate.objects.select_for_update().get(pk=collateral.certificate_id)
    if not certificate.is_editable:
        _set_aside(collateral, Status.DISCARDED, f"the certificate is {certificate.status}")
        return
    newer = certificate.files.filter(
        kind=collateral.kind, pk__gt=collateral.pk, status__in=SUPERSEDING
    ).first()
    if newer is not None:
        _set_aside(collateral, Status.REPLACED, f"{newer.original_name} was uploaded after it")
        settle_certificate(certificate=certificate, actor=collateral.uploaded_by)
        return
    older = certificate.files.filter(kind=collateral.kind, status=Status.ACCEPTED)
    for old in older:
        delete_rows(old)
    older.update(status=Status.REPLACED)
    total = from_cents(_total_cents(frame, collateral.kind))
    CollateralFile.objects.filter(pk=collateral.pk).update(
        status=Status.ACCEPTED,
        progress=100,
        stage="Accepted",
        row_count=frame.height,
        total=total,
        finished_at=timezone.now(),
    )
    record(
        actor=collateral.uploaded_by,
        action="collateral.accepted",
        obj=collateral,
        facility=certificate.facility,
        summary=f"{collateral.get_kind_display()} {collateral.original_name}: "
        f"{frame.height:,} rows, total {money_text(total)}",
        changes={"rows": frame.height, "total": str(total), "sha256": collateral.sha256},
    )
    settle_certificate(
        certificate=certificate,
        actor=collateral.uploaded_by,
        frames={**(frames or {}), collateral.kind: frame},
        reason=f"{collateral.get_kind_display()} uploaded",
    )


def settle_certificate(
    *,
    certificate: Certificate,
    actor: Any,
    frames: dict[str, pl.DataFrame] | None = None,
    reason: str = "Files changed",
) -> None:
    """Recompute the draft once none of its files is pending (a no-op when nothing changed)."""
    from abl.services.computations import compute_certificate

    if certificate.is_editable and pending_files(certificate) == 0:
        compute_certificate(certificate=certificate, actor=actor, reason=reason, frames=frames)


def _lock(claim: Claim) -> CollateralFile | None:
    """The file, locked, if this run still holds its claim: its facility's row first
    (abl/locks.py), as every service that records about the facility locks it."""
    facility_id = claim.mine().values_list("certificate__facility_id", flat=True).first()
    if facility_id is None:
        return None
    lock_facility(facility_id)
    return claim.mine().select_related("certificate__facility").select_for_update().first()


def _set_aside(collateral: CollateralFile, status: str, why: str) -> None:
    delete_rows(collateral)
    CollateralFile.objects.filter(pk=collateral.pk).update(
        status=status, progress=100, stage=f"Not used: {why}", finished_at=timezone.now()
    )
    record(
        actor=collateral.uploaded_by,
        action=f"collateral.{status}",
        obj=collateral,
        facility=collateral.certificate.facility,
        summary=f"{collateral.get_kind_display()} {collateral.original_name} not used: {why}",
        changes={"sha256": collateral.sha256},
    )


@transaction.atomic
def refuse_file(*, claim: Claim, problems: list[dict[str, Any]], more: int = 0) -> None:
    """Refuse the file with its problems: its rows are removed, its bytes deleted on commit."""
    collateral = _lock(claim)
    if collateral is None:
        return
    _refuse(collateral, problems, more)


def _refuse(collateral: CollateralFile, problems: list[dict[str, Any]], more: int) -> None:
    # Row locks before the audit chain's lock (taken by record()), in the order
    # accept_file takes them, so a refusal and an acceptance cannot deadlock.
    certificate = Certificate.objects.select_for_update().get(pk=collateral.certificate_id)
    problems = [storable(p) for p in problems]
    delete_rows(collateral)
    CollateralFile.objects.filter(pk=collateral.pk).update(
        status=Status.REFUSED,
        progress=100,
        stage="Refused",
        stored="",
        problems=problems,
        more_problems=more,
        finished_at=timezone.now(),
    )
    delete_bytes_on_commit(collateral)
    record(
        actor=collateral.uploaded_by,
        action="collateral.refused",
        obj=collateral,
        facility=collateral.certificate.facility,
        summary=f"{collateral.get_kind_display()} {collateral.original_name} refused: "
        f"{len(problems) + more} problem(s)",
        changes={"problems": problems[:5]},
    )
    try:
        with transaction.atomic():
            settle_certificate(certificate=certificate, actor=collateral.uploaded_by)
    except Exception:
        # The refusal stands; the draft keeps its figures until its files change again.
        log.exception("Recomputing certificate %s after a refusal failed", certificate.pk)


def storable(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem as JSON any database stores: no NUL or other control character in its text."""
    return {
        key: printable(value) if isinstance(value, str) else value for key, value in problem.items()
    }


def delete_bytes_on_commit(collateral: CollateralFile) -> None:
    """Delete the file's stored bytes once the caller's transaction commits (never before)."""
    if not collateral.stored:
        return
    storage, name = collateral.stored.storage, collateral.stored.name
    transaction.on_commit(lambda: storage.delete(name))


def delete_rows(collateral: CollateralFile) -> None:
    for model in (Invoice, InventoryItem, Payable):
        bulk.delete_partition(model._meta.db_table, "file_id", collateral.pk)


@dataclass(frozen=True)
class Sweep:
    requeued: list[int]
    refused: list[int]
    tables_dropped: list[str]


def sweep_stuck_files() -> Sweep:
    """Re-queue or refuse files whose worker died, and drop tables no file owns.

    Run from beat every minute; safe to run at any time and twice at once: each
    file is taken over through the same claim a worker uses.
    """
    from abl.tasks import process_collateral_file_task

    requeued, refused = [], []
    stale = _stale_before()
    # A queued file's heartbeat is the last time the sweep queued it again.
    stuck = CollateralFile.objects.filter(
        Q(status=Status.PROCESSING, heartbeat_at__lt=stale)
        | (
            Q(status=Status.QUEUED, uploaded_at__lt=stale)
            & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale))
        )
    ).values_list("pk", "status", "attempts")
    for file_id, status, attempts in stuck:
        if status == Status.PROCESSING and attempts >= settings.ABL_FILE_MAX_ATTEMPTS:
            claim = claim_file(file_id)
            if isinstance(claim, Claim):
                message = INTERRUPTED.format(attempts=attempts)
                refuse_file(
                    claim=claim, problems=[{"row": None, "column": None, "message": message}]
                )
                refused.append(file_id)
            continue
        if status == Status.QUEUED:
            CollateralFile.objects.filter(pk=file_id).update(heartbeat_at=timezone.now())
        process_collateral_file_task.delay(file_id)
        requeued.append(file_id)
    return Sweep(requeued, refused, drop_orphan_tables())


def drop_orphan_tables() -> list[str]:
    """Drop invoice partitions (attached or not) of files that are not accepted or live."""
    if not bulk.is_partitioned(Invoice._meta.db_table):
        return []
    prefix = bulk.partition_name(Invoice._meta.db_table, 0)[:-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND c.relname LIKE %s AND n.nspname = %s",
            [prefix.replace("_", r"\_") + "%", bulk.PARTITION_SCHEMA],
        )
        tables = {name: int(name[len(prefix) :]) for (name,) in cursor.fetchall()}
    keep = set(
        CollateralFile.objects.filter(pk__in=tables.values())
        .filter(
            Q(status=Status.ACCEPTED)
            | Q(status=Status.QUEUED)
            | Q(status=Status.PROCESSING, heartbeat_at__gte=_stale_before())
        )
        .values_list("pk", flat=True)
    )
    dropped = sorted(name for name, file_id in tables.items() if file_id not in keep)
    for name in dropped:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {bulk.qualified_partition(name)}")
    return dropped
