"""Reporting the borrower's collateral: the draft, its files, and discarding it.

`report_collateral` is the one way in, for the upload page, the certificate
page's add/replace form and `submit_borrowing_base`: who may report, the as-of
date, the draft, the borrower's own outstanding, each file received (stored with its
SHA-256), and then processing queued (abl/services/processing/) or, with the
files already read, done in this process. `discard_draft` withdraws a draft
and everything of it, so its as-of date is free again.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from abl import business_date
from abl.access import may_report
from abl.audit import record
from abl.business_date import as_of_problem, record_date
from abl.calc.money import money_text
from abl.locks import lock_facility
from abl.models import Certificate, CollateralFile, Facility, User
from abl.outbox import enqueue
from abl.readers import source
from abl.services.errors import Refused
from abl.services.processing import acceptance, claims, rows


@dataclass
class _Stored:
    """Bytes written to storage inside a files_kept_only_on_success block."""

    storage: Any
    name: str
    committed: bool = False  # their row committed: they are the row's now

    def commit(self) -> None:
        self.committed = True


# Uploads stored inside a files_kept_only_on_success block.
_stored_in_block: ContextVar[list[_Stored] | None] = ContextVar("stored_in_block", default=None)


@contextmanager
def files_kept_only_on_success() -> Iterator[None]:
    """Delete the uploads stored inside this block again if the block fails.

    Wrap it around the transaction that receives files: a rollback takes back
    the rows, and this takes back the bytes written to storage, so a refused or
    failed upload leaves nothing behind.
    """
    outer = _stored_in_block.get()
    stored: list[_Stored] = []
    token = _stored_in_block.set(stored)
    try:
        yield
    except BaseException:
        # A failure after the commit (raised by a callback run on commit) keeps the bytes
        # whose rows committed: they would be rows without their file.
        for item in stored:
            if not item.committed:
                item.storage.delete(item.name)
        raise
    finally:
        _stored_in_block.reset(token)
    if outer is not None:
        # Nested in a larger block: the bytes stay only if that one succeeds too.
        outer.extend(stored)


def keep_only_on_success(stored: Any) -> None:
    """Bytes just written to storage (a FieldFile): deleted again if the enclosing
    files_kept_only_on_success block fails; kept as they are outside one."""
    if (block := _stored_in_block.get()) is not None:
        item = _Stored(stored.storage, stored.name)
        block.append(item)
        transaction.on_commit(item.commit)


class UploadRefused(Refused):
    """The report cannot be taken; nothing of it was saved (`field`: see Refused)."""


def files_replaced_by_upload(certificate: Certificate) -> dict[str, CollateralFile]:
    """Per kind, the file a new upload of that kind replaces: its newest queued, processing
    or accepted one."""
    files = (
        certificate.files.filter(status__in=claims.SUPERSEDING)
        .select_related("uploaded_by")
        .order_by("pk")
    )
    return {f.kind: f for f in files}  # the newest of each kind last, so it stays


def replacement_notice(files: Iterable[CollateralFile]) -> str:
    """E.g. "This replaces receivables.csv uploaded on 2003-04-01 by dgamsey." (business date)"""
    described = [
        f"{f.original_name} uploaded on {record_date(f.uploaded_on, f.uploaded_at)}"
        f" by {f.uploaded_by.username}"
        for f in files
    ]
    return f"This replaces {' and '.join(described)}."


def report_collateral(
    *,
    facility: Facility,
    actor: User,
    as_of: dt.date,
    files: dict[str, File],
    reported_outstanding: Decimal | None = None,
    replace: bool = False,
    frames: dict[str, pl.DataFrame] | None = None,
    draft: Certificate | None = None,
) -> Certificate:
    """Report collateral files for an as-of date: the draft, the reported outstanding, each file.

    All or nothing: a refusal (UploadRefused, naming the field) leaves no draft,
    no file and no stored byte behind. A file of a kind the draft already has
    (queued, processing or accepted) is replaced only with `replace`; the last
    file uploaded wins. Without `frames` each file is processed by a task
    queued once this commits (the web); with `frames` (the files already read
    and checked, by kind: the command line) they are processed here, and a file
    refused while storing refuses the whole report. `draft` is the certificate
    page's own draft, which the files must go to; `reported_outstanding` (the
    borrower's own books; the certificate's outstanding is the ledger's) None
    keeps the draft's.
    """
    with files_kept_only_on_success(), transaction.atomic():
        _check_report(facility=facility, actor=actor, as_of=as_of, files=files)
        if reported_outstanding is not None and reported_outstanding < 0:
            raise UploadRefused(
                f"The loans outstanding cannot be negative ({reported_outstanding:,}).",
                field="reported_outstanding",
            )
        certificate = _draft_to_report_in(facility=facility, actor=actor, as_of=as_of, draft=draft)
        replaced = {
            kind: f for kind, f in files_replaced_by_upload(certificate).items() if kind in files
        }
        if replaced and not replace:
            raise UploadRefused(replacement_notice(replaced.values()), field="replace")
        if replaced:
            record(
                actor=actor,
                action="collateral.replacement_confirmed",
                obj=certificate,
                facility=facility,
                summary=replacement_notice(replaced.values()),
                changes={"replaced": sorted(f.pk for f in replaced.values())},
            )
        if reported_outstanding is not None:
            set_reported_outstanding(
                certificate=certificate, outstanding=reported_outstanding, actor=actor
            )
        received = [
            receive_file(
                certificate=certificate,
                kind=kind,
                upload=upload,
                actor=actor,
                queue=frames is None,
            )
            for kind, upload in files.items()
        ]
        if frames is not None:
            _process_here(received, frames)
        certificate.refresh_from_db()
        return certificate


def _check_report(
    *, facility: Facility, actor: User, as_of: dt.date, files: dict[str, File]
) -> None:
    if not may_report(actor, facility):
        raise UploadRefused(f"Only a user of {facility.borrower} reports its collateral.")
    if not files:
        raise UploadRefused("Choose at least one file.", field=CollateralFile.Kind.RECEIVABLES)
    if unknown := set(files) - set(CollateralFile.Kind.values):
        raise UploadRefused(f"Unknown kind of file: {', '.join(sorted(unknown))}.")
    if problem := as_of_problem(as_of):
        raise UploadRefused(problem, field="as_of")


def _draft_to_report_in(
    *, facility: Facility, actor: User, as_of: dt.date, draft: Certificate | None
) -> Certificate:
    if draft is None:
        return open_draft(facility=facility, as_of=as_of, actor=actor)
    lock_facility(draft.facility_id)
    draft = Certificate.objects.select_for_update().get(pk=draft.pk)
    if draft.facility_id != facility.pk or draft.as_of != as_of:
        raise ValueError("the draft is not the facility's certificate for that as-of date")
    if not draft.is_editable:
        raise UploadRefused("This certificate is no longer a draft; its files cannot change.")
    return draft


def _process_here(received: list[CollateralFile], frames: dict[str, pl.DataFrame]) -> None:
    """Process files already read, in this process; a file refused while storing refuses all."""
    for collateral in received:
        acceptance.process_collateral_file(
            file_id=collateral.pk, frame=frames[collateral.kind], frames=frames
        )
    for collateral in received:
        collateral.refresh_from_db()
        if collateral.status == CollateralFile.Status.REFUSED:
            problems = "; ".join(p["message"] for p in collateral.problems)
            raise UploadRefused(
                f"{collateral.original_name} was refused: {problems}", field=collateral.kind
            )


@transaction.atomic
def discard_draft(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """Withdraw a draft: its files discarded (rows removed, bytes deleted on commit).

    The certificate becomes `discarded`, so its as-of date is free for a new
    draft. A worker still processing one of its files loses its claim and
    keeps nothing.
    """
    lock_facility(certificate.facility_id)
    certificate = (
        Certificate.objects.select_for_update().select_related("facility").get(pk=certificate.pk)
    )
    if not may_report(actor, certificate.facility):
        raise UploadRefused(
            f"Only a user of {certificate.facility.borrower} can discard its draft."
        )
    if certificate.status != Certificate.Status.DRAFT:
        raise UploadRefused(
            f"Only a draft can be discarded; this certificate is "
            f"{certificate.get_status_display().lower()}."
        )
    live = list(certificate.files.select_for_update().filter(status__in=claims.SUPERSEDING))
    for collateral in live:
        rows.delete_rows(collateral)
        rows.delete_bytes_on_commit(collateral)
    CollateralFile.objects.filter(pk__in=[f.pk for f in live]).update(
        status=CollateralFile.Status.DISCARDED,
        stage="Discarded with the draft",
        stored="",
        finished_at=timezone.now(),
    )
    certificate.status = Certificate.Status.DISCARDED
    certificate.save(update_fields=["status"])
    record(
        actor=actor,
        action="certificate.discarded",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Draft certificate as of {certificate.as_of} discarded: {reason}",
        changes={"reason": reason, "files": [f.pk for f in live]},
    )
    return certificate


@transaction.atomic
def open_draft(*, facility: Facility, as_of: dt.date, actor: User) -> Certificate:
    """The facility's open draft for that date, created (and audited) the first time."""
    lock_facility(facility)
    certificate = facility.certificates.filter(as_of=as_of, status=Certificate.Status.DRAFT).first()
    if certificate is not None:
        return certificate
    if facility.certificates.filter(as_of=as_of, status=Certificate.Status.SUBMITTED).exists():
        raise UploadRefused(
            f"A certificate as of {as_of} is already submitted and under review.", field="as_of"
        )
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
def set_reported_outstanding(
    *, certificate: Certificate, outstanding: Decimal, actor: User
) -> None:
    """The loans outstanding by the borrower's own books at the as-of date (a draft only).

    Shown beside the ledger's figure, which is the certificate's; it computes nothing.
    """
    lock_facility(certificate.facility_id)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not certificate.is_editable:
        raise UploadRefused("This certificate is no longer a draft.")
    if certificate.reported_outstanding == outstanding:
        return
    before = certificate.reported_outstanding
    certificate.reported_outstanding = outstanding
    certificate.save(update_fields=["reported_outstanding"])
    record(
        actor=actor,
        action="certificate.outstanding_reported",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Outstanding at {certificate.as_of} reported by the borrower: "
        f"{money_text(outstanding)}",
        changes={"outstanding": [str(before), str(outstanding)]},
    )


@transaction.atomic
def receive_file(
    *, certificate: Certificate, kind: str, upload: File, actor: User, queue: bool = True
) -> CollateralFile:
    """Store an uploaded file and queue its processing once this transaction commits.

    With queue=False the caller processes it (the command line does, in-process).
    """
    lock_facility(certificate.facility_id)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not certificate.is_editable:
        raise UploadRefused("This certificate is no longer a draft; its files cannot change.")
    size = upload.size or 0
    if size == 0:
        raise UploadRefused(f"{upload.name} is empty.", field=kind)
    if size > settings.ABL_UPLOAD_MAX_BYTES:
        raise UploadRefused(
            f"{upload.name} is {size:,} bytes; the limit is {settings.ABL_UPLOAD_MAX_BYTES:,}.",
            field=kind,
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
        uploaded_on=business_date.today(),
        stage="Waiting for a worker",
    )
    # The stored name keeps the suffix only when it is one we read: the original
    # name decides how the file is read, and a long made-up suffix would not fit.
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix in source.CSV_SUFFIXES | source.XLSX_SUFFIXES else ""
    collateral.stored.save(f"{digest.hexdigest()[:16]}-{kind}{suffix}", upload, save=False)
    keep_only_on_success(collateral.stored)
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

        enqueue(process_collateral_file_task, collateral.pk)
    return collateral
