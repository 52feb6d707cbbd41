"""A worker killed with SIGKILL in the middle of writing a certificate's spreadsheet: the
export is finished by the task given back to the queue, or by the beat's sweep when the
broker lost the task; it ends ready, stored once, never stuck "being written".

Real processes: `celery worker` (prefork) and `celery beat` on Redis, writing to
the test's PostgreSQL database and MEDIA_ROOT. The certificate holds a
100,000-invoice aging, processed in this process; the spreadsheet is asked for
as the page asks, and the worker is killed once it has written rows.
"""

import hashlib
import os
import signal
from pathlib import Path

import openpyxl
import pytest
from django.core.files import File

from abl.models import AuditEvent, Certificate, CertificateExport, CollateralFile
from abl.services import collateral, exports
from abl.services.processing import acceptance
from bench.generate import AS_OF, write_receivables_csv
from tests.processes import forget_unacknowledged, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROWS = 100_000


@pytest.fixture(scope="module")
def big_aging(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("aging") / "aging-100k.csv"
    write_receivables_csv(path, ROWS)
    return path


@pytest.fixture
def certificate(innotrac, cfo, big_aging) -> Certificate:
    """A draft with the aging accepted and computed, processed here (not by a worker)."""
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    with big_aging.open("rb") as handle:
        file = collateral.receive_file(
            certificate=draft,
            kind=CollateralFile.Kind.RECEIVABLES,
            upload=File(handle, name=big_aging.name),
            actor=cfo,
        )
    acceptance.process_collateral_file(file_id=file.pk)
    draft.refresh_from_db()
    assert draft.current is not None
    return draft


def _writing(export_id: int) -> bool:
    export = CertificateExport.objects.get(pk=export_id)
    return export.status == CertificateExport.Status.BUILDING and export.rows_written >= 20_000


def _ready(export_id: int) -> CertificateExport | None:
    export = CertificateExport.objects.get(pk=export_id)
    assert export.status != CertificateExport.Status.FAILED, export.problem
    return export if export.status == CertificateExport.Status.READY else None


def _assert_stored_once(export: CertificateExport, media: Path) -> None:
    assert export.attempts == 2
    assert export.rows_written == export.rows_total == ROWS + export.computation.customers.count()
    assert sorted(p.name for p in (media / "exports").iterdir()) == [
        f"computation-{export.computation_id}.xlsx"
    ]
    with export.stored.open("rb") as stored:
        body = stored.read()
    assert hashlib.sha256(body).hexdigest() == export.sha256
    assert (
        AuditEvent.objects.filter(
            action="certificate.export_stored", object_id=str(export.certificate_id)
        ).count()
        == 1
    )
    with export.stored.open("rb") as stored:
        workbook = openpyxl.load_workbook(stored, read_only=True)
        assert workbook.sheetnames == ["Summary", "Invoices", "Customers", "Inventory"]
        assert workbook["Invoices"].max_row == ROWS + 1
        workbook.close()


def test_worker_killed_while_writing_the_spreadsheet_its_task_is_redelivered_and_finished(
    queue_on_redis, processes, certificate, cfo, settings
):
    export = exports.request_certificate_export(
        certificate=certificate, computation=certificate.current, actor=cfo
    )
    first = processes("worker")
    wait_for(lambda: _writing(export.pk), "the first worker to write rows")

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    processes("worker")
    finished = wait_for(lambda: _ready(export.pk), "the spreadsheet to be ready", seconds=180)

    _assert_stored_once(finished, Path(settings.MEDIA_ROOT))


def test_sweep_from_beat_finishes_a_spreadsheet_whose_task_was_lost(
    queue_on_redis, processes, certificate, cfo, settings
):
    export = exports.request_certificate_export(
        certificate=certificate, computation=certificate.current, actor=cfo
    )
    first = processes("worker")
    wait_for(lambda: _writing(export.pk), "the first worker to write rows")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    # The broker loses the unacknowledged task (as when Redis restarts without persistence).
    forget_unacknowledged(settings.REDIS_URL, settings.CELERY_TASK_DEFAULT_QUEUE)

    processes("worker", visibility_timeout=3600)
    processes("beat")
    finished = wait_for(lambda: _ready(export.pk), "the sweep to finish it", seconds=180)

    _assert_stored_once(finished, Path(settings.MEDIA_ROOT))
