"""Processing a file: one claim at a time, taken over when its worker died, the last upload wins.

The worker-death cases with real processes are in tests/integration/test_worker_faults.py;
here the same services are driven step by step.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from abl.models import AuditEvent, Certificate, CollateralFile, Invoice
from abl.reading import read_collateral
from abl.services import collateral
from abl.services.processing import acceptance, claims, sweep
from abl.services.processing.claims import Claim, Outcome
from tests.abl.conftest import AGING

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2003, 3, 31)
Status = CollateralFile.Status
# The hand-worked aging with ACME's current invoice halved: gross 1,195,000.00.
CORRECTED = AGING.replace('AC-1,2003-03-01,,"100,000.00"', 'AC-1,2003-03-01,,"50,000.00"')


@pytest.fixture
def draft(innotrac, cfo):
    return collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)


def _receive(draft, cfo, content: str, name: str = "aging.csv") -> CollateralFile:
    return collateral.receive_file(
        certificate=draft,
        kind=CollateralFile.Kind.RECEIVABLES,
        upload=SimpleUploadedFile(name, content.encode()),
        actor=cfo,
        queue=False,
    )


def _age_claim(file: CollateralFile, seconds: int) -> None:
    CollateralFile.objects.filter(pk=file.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def _gross(draft) -> str:
    draft.refresh_from_db()
    return draft.current.figures["gross_receivables"]


def test_claim_takes_a_queued_file_once(draft, cfo):
    file = _receive(draft, cfo, AGING)

    first = claims.claim_file(file.pk)
    second = claims.claim_file(file.pk)

    assert first == Claim(file.pk, 1)
    assert second is Outcome.BUSY


def test_claim_of_a_worker_that_stopped_reporting_is_taken_over(draft, cfo, settings):
    file = _receive(draft, cfo, AGING)
    claims.claim_file(file.pk)
    _age_claim(file, settings.ABL_FILE_CLAIM_TIMEOUT + 1)

    taken = claims.claim_file(file.pk)

    assert taken == Claim(file.pk, 2)


def test_claim_within_the_timeout_is_not_taken_over(draft, cfo, settings):
    file = _receive(draft, cfo, AGING)
    claims.claim_file(file.pk)
    _age_claim(file, settings.ABL_FILE_CLAIM_TIMEOUT - 5)

    assert claims.claim_file(file.pk) is Outcome.BUSY


def test_a_run_that_lost_its_claim_changes_nothing(draft, cfo, settings):
    file = _receive(draft, cfo, AGING)
    lost = claims.claim_file(file.pk)
    _age_claim(file, settings.ABL_FILE_CLAIM_TIMEOUT + 1)
    claims.claim_file(file.pk)
    frame = read_collateral("receivables", Path(file.stored.path), as_of=AS_OF)

    acceptance.accept_file(claim=lost, frame=frame)
    acceptance.refuse_file(claim=lost, problems=[{"row": 1, "column": None, "message": "x"}])

    file.refresh_from_db()
    assert (file.status, file.attempts) == (Status.PROCESSING, 2)
    assert lost.beat(50, "late") is False
    assert not AuditEvent.objects.filter(action__in=["collateral.accepted", "collateral.refused"])


def test_the_task_run_twice_does_the_work_once(draft, cfo):
    file = _receive(draft, cfo, AGING)

    first = acceptance.process_collateral_file(file_id=file.pk)
    second = acceptance.process_collateral_file(file_id=file.pk)

    assert (first, second) == (Outcome.DONE, Outcome.NOTHING)
    assert AuditEvent.objects.filter(action="collateral.accepted").count() == 1
    assert draft.computations.count() == 1
    assert Invoice.objects.filter(file=file).count() == 7


@pytest.mark.parametrize("older_finishes", ["first", "last"])
def test_the_last_file_uploaded_wins_whichever_finishes_first(draft, cfo, older_finishes):
    older = _receive(draft, cfo, AGING, "aging.csv")
    newer = _receive(draft, cfo, CORRECTED, "aging-corrected.csv")
    order = [older, newer] if older_finishes == "first" else [newer, older]

    for file in order:
        acceptance.process_collateral_file(file_id=file.pk)

    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == (Status.REPLACED, Status.ACCEPTED)
    assert _gross(draft) == "1195000.00"
    assert Invoice.objects.filter(file=older).count() == 0
    assert Invoice.objects.filter(file=newer).count() == 7


def test_a_refused_newer_file_leaves_the_older_one_in_use(draft, cfo):
    older = _receive(draft, cfo, AGING, "aging.csv")
    newer = _receive(draft, cfo, "Customer ID,Amount\n", "broken.csv")

    acceptance.process_collateral_file(file_id=newer.pk)
    acceptance.process_collateral_file(file_id=older.pk)

    older.refresh_from_db()
    assert older.status == Status.ACCEPTED
    assert _gross(draft) == "1245000.00"


def test_a_draft_is_computed_when_its_last_pending_file_is_refused(draft, cfo):
    aging = _receive(draft, cfo, AGING)
    inventory = collateral.receive_file(
        certificate=draft,
        kind=CollateralFile.Kind.INVENTORY,
        upload=SimpleUploadedFile("inventory.csv", b"SKU,Description\n"),
        actor=cfo,
        queue=False,
    )

    acceptance.process_collateral_file(file_id=aging.pk)
    draft.refresh_from_db()
    computed_while_pending = draft.current
    acceptance.process_collateral_file(file_id=inventory.pk)

    inventory.refresh_from_db()
    assert computed_while_pending is None
    assert inventory.status == Status.REFUSED
    assert _gross(draft) == "1245000.00"


def test_a_file_whose_figures_cannot_be_computed_is_refused_saying_why(draft, cfo):
    draft.facility.terms_versions.all().delete()
    file = _receive(draft, cfo, AGING)

    acceptance.process_collateral_file(file_id=file.pk)

    file.refresh_from_db()
    assert file.status == Status.REFUSED
    assert file.problems == [
        {"row": None, "column": None, "message": "The facility has no terms loaded."}
    ]
    assert Invoice.objects.filter(file=file).count() == 0
    assert draft.computations.count() == 0


def test_a_file_of_a_discarded_draft_keeps_nothing(draft, cfo):
    file = _receive(draft, cfo, AGING)
    claim = claims.claim_file(file.pk)
    Certificate.objects.filter(pk=draft.pk).update(status=Certificate.Status.DISCARDED)
    frame = read_collateral("receivables", Path(file.stored.path), as_of=AS_OF)

    acceptance.accept_file(claim=claim, frame=frame)

    file.refresh_from_db()
    assert file.status == Status.DISCARDED
    assert draft.computations.count() == 0


def test_problems_are_stored_with_control_characters_made_visible(draft, cfo):
    file = _receive(draft, cfo, AGING)
    claim = claims.claim_file(file.pk)

    acceptance.refuse_file(
        claim=claim, problems=[{"row": 3, "column": "customer_name", "message": "bad 'A\x00B\x1b'"}]
    )

    file.refresh_from_db()
    assert file.problems == [{"row": 3, "column": "customer_name", "message": "bad 'A\\x00B\\x1b'"}]
    assert not file.stored


def test_refusing_deletes_the_stored_bytes_only_once_committed(
    draft, cfo, django_capture_on_commit_callbacks
):
    file = _receive(draft, cfo, AGING)
    path = file.stored.path
    claim = claims.claim_file(file.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        acceptance.refuse_file(
            claim=claim, problems=[{"row": None, "column": None, "message": "x"}]
        )
    still_there = os.path.exists(path)
    for callback in callbacks:
        callback()

    assert still_there
    assert not os.path.exists(path)


def test_sweep_requeues_a_file_whose_worker_died_and_it_is_finished(draft, cfo, settings):
    file = _receive(draft, cfo, AGING)
    claims.claim_file(file.pk)
    _age_claim(file, settings.ABL_FILE_CLAIM_TIMEOUT + 1)

    swept = sweep.sweep_stuck_files()  # tasks run in-process here

    file.refresh_from_db()
    assert swept.requeued == [file.pk]
    assert (file.status, file.attempts) == (Status.ACCEPTED, 2)
    assert Invoice.objects.filter(file=file).count() == 7


def test_sweep_refuses_a_file_after_the_last_attempt_with_a_message(draft, cfo, settings):
    file = _receive(draft, cfo, AGING)
    CollateralFile.objects.filter(pk=file.pk).update(
        status=Status.PROCESSING, attempts=settings.ABL_FILE_MAX_ATTEMPTS
    )
    _age_claim(file, settings.ABL_FILE_CLAIM_TIMEOUT + 1)

    swept = sweep.sweep_stuck_files()

    file.refresh_from_db()
    assert swept.refused == [file.pk]
    assert file.status == Status.REFUSED
    assert file.problems[0]["message"] == (
        "Checking this file was interrupted 3 times (the worker stopped); "
        "nothing from it was kept. Please upload it again."
    )
    assert not file.stored


def test_sweep_leaves_live_and_recent_files_alone(draft, cfo):
    queued = _receive(draft, cfo, AGING)
    live = _receive(draft, cfo, CORRECTED, "other.csv")
    claims.claim_file(live.pk)

    swept = sweep.sweep_stuck_files()

    assert (swept.requeued, swept.refused) == ([], [])
    assert CollateralFile.objects.get(pk=queued.pk).status == Status.QUEUED


def _tables(prefix: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s", [prefix + "%"]
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
def test_sweep_drops_tables_no_accepted_or_live_file_owns(draft, cfo, settings):
    accepted = _receive(draft, cfo, AGING)
    acceptance.process_collateral_file(file_id=accepted.pk)
    dead = _receive(draft, cfo, CORRECTED, "other.csv")
    claims.claim_file(dead.pk)
    with connection.cursor() as cursor:  # what a worker killed while storing leaves behind
        cursor.execute(f"CREATE TABLE abl_partitions.abl_invoice_f{dead.pk} (LIKE abl_invoice)")
        cursor.execute("CREATE TABLE abl_partitions.abl_invoice_f999999 (LIKE abl_invoice)")
    _age_claim(dead, settings.ABL_FILE_CLAIM_TIMEOUT + 1)
    CollateralFile.objects.filter(pk=dead.pk).update(attempts=settings.ABL_FILE_MAX_ATTEMPTS)

    swept = sweep.sweep_stuck_files()

    # The dead file's table goes with its refusal; the one of no file at all, as an orphan.
    assert swept.refused == [dead.pk]
    assert swept.tables_dropped == ["abl_invoice_f999999"]
    assert _tables("abl_invoice_f") == {f"abl_invoice_f{accepted.pk}"}
    assert Invoice.objects.filter(file=accepted).count() == 7
