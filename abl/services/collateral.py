"""Receiving the borrower's collateral files: the draft, the upload, the queue.

A file is received (stored with its SHA-256) and queued; a task then processes
it (abl/services/processing.py): read and checked in full, its rows written,
and the draft certificate recomputed.
"""

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction

from abl.audit import record
from abl.models import Certificate, CollateralFile, Facility, User

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
