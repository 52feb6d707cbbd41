"""Receiving and processing the borrower's collateral files.

A file is received (stored with its SHA-256, queued), then processed by a task:
read and checked in full, its rows written, and the draft certificate
recomputed. A refused file keeps its problems but neither its bytes nor any row.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from abl import bulk
from abl.audit import record
from abl.models import Certificate, CollateralFile, Facility, InventoryItem, Invoice, Payable, User
from abl.readers import (
    CollateralFileError,
    ReaderLimits,
    read_inventory,
    read_payables,
    read_receivables,
)

Kind = CollateralFile.Kind
READERS: dict[str, Callable[..., pl.DataFrame]] = {
    Kind.RECEIVABLES: read_receivables,
    Kind.INVENTORY: read_inventory,
    Kind.PAYABLES: read_payables,
}


# Names of uploads stored inside a files_kept_only_on_success block.
_stored_in_block: ContextVar[list[tuple[Any, str]] | None] = ContextVar(
    "stored_in_block", default=None
)


@contextmanager
def files_kept_only_on_success() -> Iterator[None]:
    """Delete the uploads stored inside this block again if the block fails.

    Wrap it around the transaction that receives files: a rollback takes back
    the rows, and this takes back the bytes written to storage, so a refused or
    failed upload leaves nothing behind.
    """
    stored: list[tuple[Any, str]] = []
    token = _stored_in_block.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    finally:
        _stored_in_block.reset(token)


class UploadRefused(Exception):
    """The upload cannot be taken at all (not a draft, empty, too large)."""


def reader_limits() -> ReaderLimits:
    return ReaderLimits(
        max_bytes=settings.ABL_UPLOAD_MAX_BYTES,
        max_rows=settings.ABL_UPLOAD_MAX_ROWS,
        max_problems=settings.ABL_UPLOAD_MAX_PROBLEMS,
        xlsx_max_uncompressed_bytes=settings.ABL_XLSX_MAX_UNCOMPRESSED_BYTES,
        xlsx_max_entries=settings.ABL_XLSX_MAX_ENTRIES,
        xlsx_max_ratio=settings.ABL_XLSX_MAX_RATIO,
    )


@transaction.atomic
def open_draft(*, facility: Facility, as_of: dt.date, actor: User) -> Certificate:
    """The facility's open draft for that date, created (and audited) the first time."""
    Facility.objects.select_for_update().get(pk=facility.pk)
    certificate = facility.certificates.filter(as_of=as_of, status=Certificate.Status.DRAFT).first()
    if certificate is not None:
        return certificate
    if facility.certificates.filter(as_of=as_of, status=Certificate.Status.SUBMITTED).exists():
        raise UploadRefused(f"A certificate as of {as_of} is already submitted and under review.")
    certificate = Certificate.objects.create(facility=facility, as_of=as_of, created_by=actor)
    record(
        actor=actor,
        action="certificate.draft_created",
        obj=certificate,
        facility=facility,
        summary=f"Draft certificate as of {as_of} started",
    )
    return certificate


@transaction.atomic
def set_outstanding(*, certificate: Certificate, outstanding: Decimal, actor: User) -> None:
    """The loans outstanding the borrower reports at the as-of date (a draft only)."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not certificate.is_editable:
        raise UploadRefused("This certificate is no longer a draft.")
    if certificate.outstanding == outstanding:
        return
    before = certificate.outstanding
    certificate.outstanding = outstanding
    certificate.save(update_fields=["outstanding"])
    record(
        actor=actor,
        action="certificate.outstanding_set",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Outstanding at {certificate.as_of} set to {outstanding:,}",
        changes={"outstanding": [str(before), str(outstanding)]},
    )


@transaction.atomic
def receive_file(
    *, certificate: Certificate, kind: str, upload: File, actor: User, queue: bool = True
) -> CollateralFile:
    """Store an uploaded file and queue its processing once this transaction commits.

    With queue=False the caller processes it (the command line does, in-process).
    """
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not certificate.is_editable:
        raise UploadRefused("This certificate is no longer a draft; its files cannot change.")
    size = upload.size or 0
    if size == 0:
        raise UploadRefused(f"{upload.name} is empty.")
    if size > settings.ABL_UPLOAD_MAX_BYTES:
        raise UploadRefused(
            f"{upload.name} is {size:,} bytes; the limit is {settings.ABL_UPLOAD_MAX_BYTES:,}."
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = Path(upload.name or "upload").name
    collateral = CollateralFile(
        certificate=certificate,
        kind=kind,
        original_name=name,
        sha256=digest.hexdigest(),
        size=size,
        uploaded_by=actor,
        stage="Waiting for a worker",
    )
    collateral.stored.save(
        f"{digest.hexdigest()[:16]}-{kind}{Path(name).suffix.lower()}", upload, save=False
    )
    if (stored := _stored_in_block.get()) is not None:
        stored.append((collateral.stored.storage, collateral.stored.name))
    collateral.save()
    record(
        actor=actor,
        action="collateral.received",
        obj=collateral,
        facility=certificate.facility,
        summary=f"{collateral.get_kind_display()} {name} received ({size:,} bytes)",
        changes={"sha256": collateral.sha256, "certificate": certificate.pk},
    )
    if queue:
        from abl.tasks import process_collateral_file_task

        transaction.on_commit(lambda: process_collateral_file_task.delay(collateral.pk))
    return collateral


def read_collateral(kind: str, path: Path, *, filename: str | None = None) -> pl.DataFrame:
    """Read and check a file of that kind; raises CollateralFileError listing every problem."""
    return READERS[kind](path, limits=reader_limits(), filename=filename or path.name)


def process_collateral_file(
    *, file_id: int, frame: pl.DataFrame | None = None
) -> pl.DataFrame | None:
    """Read, check and store one queued file; returns its frame when accepted.

    `frame` is the file already read and checked (the command line reads every
    file before saving anything). Safe to run twice: only the run that claims
    the queued file does the work.
    Rows are written in chunks outside one long transaction so progress shows;
    they only count once the file is flipped to accepted, and are removed if
    anything fails before that.
    """
    claimed = CollateralFile.objects.filter(pk=file_id, status=CollateralFile.Status.QUEUED).update(
        status=CollateralFile.Status.PROCESSING, progress=5, stage="Reading and checking every row"
    )
    if not claimed:
        return None
    collateral = CollateralFile.objects.select_related("certificate__facility").get(pk=file_id)
    if frame is None:
        try:
            frame = read_collateral(
                collateral.kind, Path(collateral.stored.path), filename=collateral.original_name
            )
        except CollateralFileError as error:
            _refuse(collateral, error)
            return None
    try:
        _set_progress(collateral, 40, f"Storing {frame.height:,} rows")
        _store_rows(collateral, frame)
        _accept(collateral, frame)
    except Exception:
        _delete_rows(collateral)
        _refuse_with(
            collateral,
            [
                {
                    "row": None,
                    "column": None,
                    "message": "Storing failed; nothing was kept. Please upload again.",
                }
            ],
            0,
        )
        raise
    return frame


def _set_progress(collateral: CollateralFile, percent: int, stage: str) -> None:
    CollateralFile.objects.filter(pk=collateral.pk).update(progress=percent, stage=stage)


def _store_rows(collateral: CollateralFile, frame: pl.DataFrame) -> None:
    table, prepared, binary = _rows_for_table(collateral, frame)

    def progress(done: int, total: int) -> None:
        _set_progress(
            collateral, 40 + int(50 * done / max(total, 1)), f"Stored {done:,} of {total:,} rows"
        )

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
def _accept(collateral: CollateralFile, frame: pl.DataFrame) -> None:
    from abl.calc.money import from_cents

    certificate = Certificate.objects.select_for_update().get(pk=collateral.certificate_id)
    previous = certificate.files.filter(kind=collateral.kind, status=CollateralFile.Status.ACCEPTED)
    for old in previous:
        _delete_rows(old)
    previous.update(status=CollateralFile.Status.REPLACED)
    total = from_cents(_total_cents(frame, collateral.kind))
    CollateralFile.objects.filter(pk=collateral.pk).update(
        status=CollateralFile.Status.ACCEPTED,
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
        summary=f"{collateral.get_kind_display()} {collateral.original_name}: {frame.height:,} rows, total {total:,}",
        changes={"rows": frame.height, "total": str(total), "sha256": collateral.sha256},
    )


def _refuse(collateral: CollateralFile, error: CollateralFileError) -> None:
    problems = [{"row": p.row, "column": p.column, "message": p.message} for p in error.problems]
    _refuse_with(collateral, problems, error.more)


@transaction.atomic
def _refuse_with(collateral: CollateralFile, problems: list[dict[str, Any]], more: int) -> None:
    collateral.stored.delete(save=False)
    CollateralFile.objects.filter(pk=collateral.pk).update(
        status=CollateralFile.Status.REFUSED,
        progress=100,
        stage="Refused",
        stored="",
        problems=problems,
        more_problems=more,
        finished_at=timezone.now(),
    )
    record(
        actor=collateral.uploaded_by,
        action="collateral.refused",
        obj=collateral,
        facility=collateral.certificate.facility,
        summary=f"{collateral.get_kind_display()} {collateral.original_name} refused: {len(problems) + more} problem(s)",
        changes={"problems": problems[:5]},
    )


def _delete_rows(collateral: CollateralFile) -> None:
    for model in (Invoice, InventoryItem, Payable):
        bulk.delete_partition(model._meta.db_table, "file_id", collateral.pk)


def pending_files(certificate: Certificate) -> int:
    return certificate.files.filter(
        status__in=[CollateralFile.Status.QUEUED, CollateralFile.Status.PROCESSING]
    ).count()
