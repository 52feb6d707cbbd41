"""A computation's full detail as an XLSX (abl/exports.py), written by a worker and stored once.

Every spreadsheet is written by the task `abl.build_certificate_export`, never
inside a web request: a million invoices take over a minute to write. Asking
for it (`request_certificate_export`, the certificate page's button) creates
the computation's one `CertificateExport` and queues the task; the page shows
its progress and, once it is ready, the download, served from storage.

Surviving a worker killed mid-export: the build is claimed like a collateral
file's processing (abl/services/processing/claims.py): an attempt number and a
heartbeat renewed every `abl.exports.CHUNK` rows. A claim not renewed for
`ABL_FILE_CLAIM_TIMEOUT` seconds is stale and is taken over: by the task given
back to the queue (`acks_late`, `reject_on_worker_lost`), which waits for a
live claim to go stale, or by the sweep (`sweep_stuck_exports`, from beat with
the files' sweep), which queues it again, or marks it failed after
`ABL_FILE_MAX_ATTEMPTS` interrupted attempts; asking again starts afresh. The
file has one name per computation (`exports/computation-<id>.xlsx`): a new
attempt replaces what a dead one left there, so the storage never holds two.
Every write after the claim checks the attempt number, so a run that lost its
claim changes nothing.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from abl.audit import record
from abl.locks import lock_facility
from abl.models import Certificate, CertificateExport, Computation, User
from abl.outbox import enqueue
from abl.services.errors import CertificateError
from abl.services.processing.claims import ClaimLost, Outcome, stuck, take_claim

log = logging.getLogger(__name__)
Status = CertificateExport.Status
FAILED = "The spreadsheet could not be written (an error on our side; it is logged). Ask again."
INTERRUPTED = (
    "Writing the spreadsheet was interrupted {attempts} times (the worker stopped). Ask again."
)


def stored_name(computation_id: int) -> str:
    return f"exports/computation-{computation_id}.xlsx"


@transaction.atomic
def request_certificate_export(
    *, certificate: Certificate, computation: Computation, actor: User
) -> CertificateExport:
    """The computation's spreadsheet: the one asked for already, or queued now (again, if the
    last attempt failed or its file is lost from storage). Asking while it is queued, being
    written or ready changes nothing."""
    if computation.certificate_id != certificate.pk:
        raise CertificateError(
            f"Computation {computation.pk} is not certificate {certificate.pk}'s."
        )
    lock_facility(certificate.facility_id)
    export = CertificateExport.objects.select_for_update().filter(computation=computation).first()
    if export is not None and export.status != Status.FAILED and not _lost(export):
        return export
    from abl import exports  # the pages' presenters, which import services

    total = exports.row_count(certificate, computation)
    if export is None:
        export = CertificateExport.objects.create(
            certificate=certificate, computation=computation, rows_total=total
        )
    else:
        export.status, export.attempts, export.heartbeat_at = Status.QUEUED, 0, None
        export.rows_written, export.rows_total, export.problem = 0, total, ""
        export.save()
    record(
        actor=actor,
        action="certificate.export_requested",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Spreadsheet of computation {computation.pk} asked for ({total:,} rows)",
        changes={"computation": computation.pk, "export": export.pk},
    )
    from abl.tasks import build_certificate_export_task

    enqueue(build_certificate_export_task, export.pk)
    return export


def _lost(export: CertificateExport) -> bool:
    return export.status == Status.READY and not export.available


@dataclass(frozen=True)
class ExportClaim:
    export_id: int
    attempt: int

    def mine(self) -> QuerySet[CertificateExport]:
        return CertificateExport.objects.filter(
            pk=self.export_id, status=Status.BUILDING, attempts=self.attempt
        )

    def beat(self, rows_written: int) -> None:
        """Renew the claim and say how far the writing is; raise ClaimLost if it is gone."""
        if not self.mine().update(rows_written=rows_written, heartbeat_at=timezone.now()):
            raise ClaimLost


def claim_export(export_id: int) -> ExportClaim | Outcome:
    """Take a queued export, or one whose worker's claim went stale; else say why not."""
    attempt = take_claim(
        CertificateExport, export_id, queued=Status.QUEUED, working=Status.BUILDING, rows_written=0
    )
    return attempt if isinstance(attempt, Outcome) else ExportClaim(export_id, attempt)


def build_certificate_export(*, export_id: int) -> Outcome:
    """Claim, write and store one spreadsheet; safe to run twice and after a worker died."""
    claim = claim_export(export_id)
    if isinstance(claim, Outcome):
        return claim
    export = CertificateExport.objects.select_related(
        "certificate__facility", "computation__terms_version"
    ).get(pk=export_id)
    try:
        _write_and_store(claim, export)
    except ClaimLost:
        pass  # another run holds the export now; it does the work
    except Exception:
        log.exception("Writing the spreadsheet of export %s failed", export_id)
        _fail(claim, FAILED)
    return Outcome.DONE


def _write_and_store(claim: ExportClaim, export: CertificateExport) -> None:
    from abl import exports  # the pages' presenters, which import services

    certificate, computation = export.certificate, export.computation
    handle = exports.write_xlsx(
        exports.tables(certificate, computation),
        exports.summary(certificate, computation),
        progress=claim.beat,
        created=computation.created_at,
    )
    with handle:
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        size = handle.tell()
        handle.seek(0)
        claim.beat(export.rows_total)
        name = stored_name(computation.pk)
        default_storage.delete(name)  # what an attempt that died left there
        saved = default_storage.save(name, File(handle, name=name))
    if saved != name:  # another run saved it in between: ours is the same computation's
        default_storage.delete(saved)
    _mark_ready(claim, name, digest.hexdigest(), size)


@transaction.atomic
def _mark_ready(claim: ExportClaim, name: str, sha256: str, size: int) -> None:
    export = CertificateExport.objects.select_related("certificate__facility").get(
        pk=claim.export_id
    )
    lock_facility(export.certificate.facility_id)
    if claim.mine().select_for_update().values_list("pk", flat=True).first() is None:
        raise ClaimLost
    CertificateExport.objects.filter(pk=claim.export_id).update(
        status=Status.READY,
        stored=name,
        sha256=sha256,
        size=size,
        rows_written=F("rows_total"),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    record(
        actor=None,
        action="certificate.export_stored",
        obj=export.certificate,
        facility=export.certificate.facility,
        summary=f"Spreadsheet of computation {export.computation_id} stored ({size:,} bytes)",
        changes={"computation": export.computation_id, "sha256": sha256, "attempt": claim.attempt},
    )


@transaction.atomic
def _fail(claim: ExportClaim, problem: str) -> None:
    export = CertificateExport.objects.select_related("certificate__facility").get(
        pk=claim.export_id
    )
    lock_facility(export.certificate.facility_id)
    if claim.mine().select_for_update().values_list("pk", flat=True).first() is None:
        return
    CertificateExport.objects.filter(pk=claim.export_id).update(
        status=Status.FAILED, problem=problem, finished_at=timezone.now()
    )
    record(
        actor=None,
        action="certificate.export_failed",
        obj=export.certificate,
        facility=export.certificate.facility,
        summary=f"Spreadsheet of computation {export.computation_id} failed: {problem}",
        changes={"computation": export.computation_id, "attempt": claim.attempt},
    )


def sweep_stuck_exports() -> tuple[list[int], list[int]]:
    """Queue again the exports whose worker died (or whose task was lost); fail one
    interrupted `ABL_FILE_MAX_ATTEMPTS` times. Returns (requeued, failed)."""
    from abl.tasks import build_certificate_export_task

    requeued, failed = [], []
    found = stuck(
        CertificateExport,
        queued=Status.QUEUED,
        working=Status.BUILDING,
        queued_since="requested_at",
    )
    for export_id, status, attempts in found:
        if status == Status.BUILDING and attempts >= settings.ABL_FILE_MAX_ATTEMPTS:
            claim = claim_export(export_id)
            if isinstance(claim, ExportClaim):
                _fail(claim, INTERRUPTED.format(attempts=attempts))
                failed.append(export_id)
            continue
        if status == Status.QUEUED:
            CertificateExport.objects.filter(pk=export_id).update(heartbeat_at=timezone.now())
        build_certificate_export_task.delay(export_id)
        requeued.append(export_id)
    return requeued, failed
