"""A claimed file read, checked and stored, then accepted (and its draft recomputed) or refused.

Once the rows are written, one transaction accepts the file and recomputes the
draft once nothing else is pending. A refused file keeps its problems but
neither its bytes nor any row.

The last file uploaded wins: a file that finishes while a newer file of the
same kind is queued, processing or accepted on the same draft is marked
replaced and never used, whatever the order in which the two finish.
"""

import logging
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from abl.audit import record
from abl.calc.money import from_cents, money_text
from abl.models import Certificate, CollateralFile
from abl.readers import CollateralFileError
from abl.readers.errors import printable
from abl.reading import read_collateral
from abl.services.errors import CertificateError
from abl.services.processing.claims import (
    SUPERSEDING,
    Claim,
    ClaimLost,
    Outcome,
    claim_file,
    lock_claimed,
    pending_files,
)
from abl.services.processing.rows import (
    delete_bytes_on_commit,
    delete_rows,
    store_rows,
    total_cents,
)

log = logging.getLogger(__name__)
Status = CollateralFile.Status
FAILED = (
    "This file could not be stored or computed because of an error on our side; "
    "nothing from it was kept and the error was logged. Please upload it again."
)


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
            store_rows(claim, collateral, frame)
            accept_file(claim=claim, frame=frame, frames=frames)
    except CertificateError as error:  # the figures cannot be computed, for a reason we can say
        refuse_file(claim=claim, problems=[{"row": None, "column": None, "message": str(error)}])
    except ClaimLost:
        pass  # another run holds the file now; it does the work
    except Exception:
        log.exception("Storing collateral file %s failed", file_id)
        refuse_file(claim=claim, problems=[{"row": None, "column": None, "message": FAILED}])
    return Outcome.DONE


@transaction.atomic
def accept_file(
    *, claim: Claim, frame: pl.DataFrame, frames: dict[str, pl.DataFrame] | None = None
) -> None:
    """Accept the stored file and recompute its draft, or set it aside if it lost its place.

    One transaction: if the figures cannot be computed, nothing of the
    acceptance stays (the caller then refuses the file).
    """
    collateral = lock_claimed(claim)
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
    total = from_cents(total_cents(frame, collateral.kind))
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
    collateral = lock_claimed(claim)
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
