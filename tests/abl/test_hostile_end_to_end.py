"""The hostile catalogue (tests/abl/hostile_files.py) through the other ways in.

A real Celery worker on Redis processing what `report_collateral` received,
and both commands, called and run as programs: each refusal is exact, and
nothing of a refused file stays in the database or the media folder.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import CommandError, call_command
from django.db import connection

from abl.models import AuditEvent, Certificate, CollateralFile, CustomerLine
from abl.services import collateral
from tests.abl.conftest import ROOT, TERMS
from tests.abl.hostile_files import BY_ID, CASES, Case
from tests.abl.test_hostile_uploads import as_stored, kept_rows, media_files

AS_OF_DATE = "2003-03-31"


def _apply(settings, case: Case) -> None:
    for name, value in case.settings.items():
        setattr(settings, name, value)


def _state(settings) -> tuple[object, ...]:
    return (
        Certificate.objects.count(),
        CollateralFile.objects.count(),
        AuditEvent.objects.count(),
        kept_rows(),
        media_files(settings),
    )


# A real worker on Redis.


def _finished(file_id: int) -> CollateralFile:
    """The file once a worker has finished with it (a minute at most, else the test fails)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = CollateralFile.objects.get(pk=file_id)
        if found.is_finished:
            return found
        time.sleep(0.05)
    pytest.fail(f"file {file_id} was not finished by the worker within a minute")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_hostile_file_processed_by_a_worker_on_redis(
    celery_worker_on_redis, innotrac, cfo, settings, tmp_path, case
):
    _apply(settings, case)
    with case.write(tmp_path).open("rb") as handle:
        draft = collateral.report_collateral(
            facility=innotrac,
            actor=cfo,
            as_of=dt.date(2003, 3, 31),
            files={"receivables": File(handle, name=case.filename)},
        )

    processed = _finished(draft.files.get().pk)

    draft.refresh_from_db()
    if case.accepted:
        lines = CustomerLine.objects.filter(computation=draft.current)
        assert (processed.status, processed.problems) == ("accepted", [])
        assert media_files(settings) == [Path(processed.stored.path)]
        assert dict(lines.values_list("customer_id", "customer_name")) == case.names
        return
    assert (processed.status, processed.stored.name) == ("refused", "")
    assert (processed.problems, processed.more_problems) == (as_stored(case), 0)
    assert (draft.status, draft.current) == ("draft", None)
    assert kept_rows() == (0, 0, 0, 0)
    assert media_files(settings) == []


# The commands, called.


def _submit(path: Path) -> None:
    call_command(
        "submit_borrowing_base",
        *("--facility", "innotrac-2003", "--as-of", AS_OF_DATE, "--ar", str(path)),
        *("--user", "dgamsey"),
        stdout=StringIO(),
        stderr=StringIO(),
    )


def _borrowing_base(path: Path) -> str:
    out = StringIO()
    call_command(
        "borrowing_base",
        *("--terms", str(TERMS), "--as-of", AS_OF_DATE, "--ar", str(path)),
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


@pytest.fixture(params=CASES, ids=lambda case: case.id)
def case_file(request, settings, tmp_path) -> tuple[Case, Path]:
    case: Case = request.param
    _apply(settings, case)
    return case, case.write(tmp_path)


@pytest.mark.django_db
def test_submit_borrowing_base_refuses_or_accepts_each_hostile_file(
    innotrac, cfo, settings, case_file
):
    case, path = case_file
    before = _state(settings)

    if case.accepted:
        _submit(path)
        certificate = Certificate.objects.get()
        lines = CustomerLine.objects.filter(computation=certificate.current)
        assert certificate.status == Certificate.Status.SUBMITTED
        assert dict(lines.values_list("customer_id", "customer_name")) == case.names
        return
    with pytest.raises(CommandError) as refused:
        _submit(path)

    assert str(refused.value) == f"--ar: {path} was refused: " + "; ".join(case.lines())
    assert _state(settings) == before


@pytest.mark.django_db
def test_borrowing_base_refuses_or_accepts_each_hostile_file(settings, case_file):
    case, path = case_file

    if case.accepted:
        figures = json.loads(_borrowing_base(path))
        assert figures["gross_receivables"] == f"{10 * len(case.names)}.00"
        return
    with pytest.raises(CommandError) as refused:
        _borrowing_base(path)

    assert str(refused.value) == f"--ar: {path} was refused: " + "; ".join(case.lines())
    assert media_files(settings) == []


# The commands, run as programs: one line on stderr, no traceback, exit code 1.


def _run(command: str, *arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", command, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "DEBUG": "1", "ABL_BUSINESS_DATE": "2003-04-07", **env},
        check=False,
    )


def test_borrowing_base_run_on_an_undeclared_zip_bomb_prints_one_line(tmp_path):
    case = BY_ID["undeclared-zip-bomb"]
    path = case.write(tmp_path)

    result = _run(
        "borrowing_base",
        *("--terms", str(TERMS), "--as-of", AS_OF_DATE, "--ar", str(path)),
        env={"ABL_XLSX_MAX_UNCOMPRESSED_BYTES": str(1024 * 1024)},
    )

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"CommandError: --ar: {path} was refused: {case.lines()[0]}\n",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_submit_borrowing_base_run_on_a_late_nul_prints_one_line_and_changes_nothing(
    innotrac, cfo, settings, tmp_path
):
    case = BY_ID["nul-after-64-kb"]
    path = case.write(tmp_path)
    db = connection.settings_dict
    before = _state(settings)

    result = _run(
        "submit_borrowing_base",
        *("--facility", "innotrac-2003", "--as-of", AS_OF_DATE, "--ar", str(path)),
        *("--user", "dgamsey"),
        env={
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@"
            f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        },
    )

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"CommandError: --ar: {path} was refused: {case.lines()[0]}\n",
    )
    assert _state(settings) == before
