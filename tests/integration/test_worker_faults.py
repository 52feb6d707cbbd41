"""Workers killed with SIGKILL in the middle of storing a file: nothing is lost, stuck or done twice.

Real processes: `celery worker` (prefork) and `celery beat` on Redis, writing to
the test's PostgreSQL database. A 300,000-row aging is uploaded; the worker (or
its pool process) is killed once the rows are being stored. Whatever takes the
file over — the task given back to the queue, or the beat's sweep — it ends
accepted with exactly its rows, computed once, and no table is left behind.
"""

import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection

from abl.models import AuditEvent, CollateralFile, Invoice
from abl.services import collateral
from bench.generate import AS_OF, write_receivables_csv
from tests.processes import forget_unacknowledged, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
ROWS = 300_000


@pytest.fixture(scope="module")
def big_aging(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("aging") / "aging-300k.csv"
    write_receivables_csv(path, ROWS)
    return path


def _upload(innotrac, cfo, path: Path) -> CollateralFile:
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    with path.open("rb") as handle:
        return collateral.receive_file(
            certificate=draft,
            kind=CollateralFile.Kind.RECEIVABLES,
            upload=File(handle, name=path.name),
            actor=cfo,
        )


def _storing(file_id: int) -> bool:
    file = CollateralFile.objects.get(pk=file_id)
    return file.status == CollateralFile.Status.PROCESSING and file.progress >= 40


def _finished(file_id: int) -> CollateralFile | None:
    file = CollateralFile.objects.get(pk=file_id)
    return file if file.is_finished else None


def _pool_process(worker: subprocess.Popen[bytes]) -> int:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _invoice_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'abl\\_invoice\\_f%'"
        )
        return {name for (name,) in cursor.fetchall()}


def _assert_accepted_once(file: CollateralFile, tables_before: set[str]) -> None:
    assert file.status == CollateralFile.Status.ACCEPTED, file.problems
    assert file.row_count == ROWS
    assert Invoice.objects.filter(file=file).count() == ROWS
    assert _invoice_tables() - tables_before == {f"abl_invoice_f{file.pk}"}
    assert (
        AuditEvent.objects.filter(action="collateral.accepted", object_id=str(file.pk)).count() == 1
    )
    assert file.certificate.computations.count() == 1


def test_worker_killed_while_storing_its_task_is_redelivered_and_finished(
    queue_on_redis, processes, innotrac, cfo, big_aging
):
    tables_before = _invoice_tables()
    uploaded = _upload(innotrac, cfo, big_aging)
    first = processes("worker")
    wait_for(lambda: _storing(uploaded.pk), "the first worker to store rows")

    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    processes("worker")
    file = wait_for(lambda: _finished(uploaded.pk), "the file to be finished")

    _assert_accepted_once(file, tables_before)
    assert file.attempts == 2


def test_pool_process_killed_while_storing_the_task_comes_back_once_the_claim_is_stale(
    queue_on_redis, processes, innotrac, cfo, big_aging
):
    tables_before = _invoice_tables()
    uploaded = _upload(innotrac, cfo, big_aging)
    # A claim lasts longer than the worker takes to start a new pool process and
    # hand it the task again: the task finds the dead process's claim still live.
    worker = processes("worker", claim_timeout=10)
    wait_for(lambda: _storing(uploaded.pk), "the worker to store rows")

    os.kill(_pool_process(worker), signal.SIGKILL)
    file = wait_for(lambda: _finished(uploaded.pk), "the file to be finished")

    _assert_accepted_once(file, tables_before)
    assert file.attempts == 2


def test_sweep_from_beat_finishes_a_file_whose_task_was_lost(
    queue_on_redis, processes, innotrac, cfo, big_aging, settings
):
    tables_before = _invoice_tables()
    uploaded = _upload(innotrac, cfo, big_aging)
    first = processes("worker")
    wait_for(lambda: _storing(uploaded.pk), "the first worker to store rows")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    # The broker loses the unacknowledged task (as when Redis restarts without persistence).
    forget_unacknowledged(settings.REDIS_URL, settings.CELERY_TASK_DEFAULT_QUEUE)

    processes("worker", visibility_timeout=3600)
    processes("beat")
    file = wait_for(lambda: _finished(uploaded.pk), "the sweep to finish the file")

    _assert_accepted_once(file, tables_before)
    assert file.attempts == 2
