"""load_terms and submit_borrowing_base from the command line."""

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from abl.models import AuditEvent, Certificate, CollateralFile, Facility, TermsVersion
from abl.services import collateral, loans
from tests.abl.conftest import AGING, ROOT, TERMS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2003, 3, 31)


def test_load_terms_creates_facility_and_version():
    out = StringIO()

    call_command("load_terms", str(TERMS), stdout=out)

    facility = Facility.objects.get(slug="innotrac-2003")
    assert facility.borrower.name == "Innotrac Corporation"
    assert facility.lender.name == "SouthTrust Bank, N.A."
    assert "terms v1 effective 2003-02-18" in out.getvalue()
    assert AuditEvent.objects.filter(action="terms.version_created").count() == 1


def test_load_terms_twice_keeps_one_version():
    call_command("load_terms", str(TERMS), stdout=StringIO())
    out = StringIO()

    call_command("load_terms", str(TERMS), stdout=out)

    assert TermsVersion.objects.count() == 1
    assert out.getvalue().startswith("Unchanged:")


def test_load_terms_changed_file_is_a_new_version_with_differences(tmp_path):
    call_command("load_terms", str(TERMS), stdout=StringIO())
    changed = tmp_path / "terms.yaml"
    changed.write_text(TERMS.read_text().replace("cure_days: 0", "cure_days: 30"))

    call_command("load_terms", str(changed), "--effective-date", "2003-06-01", stdout=StringIO())

    latest = TermsVersion.objects.get(version=2)
    event = AuditEvent.objects.filter(action="terms.version_created").first()
    assert latest.effective_date.isoformat() == "2003-06-01"
    assert event.changes["differences"] == {"reporting.cure_days": [0, 30]} or event.changes[
        "differences"
    ] == {"reporting.cure_days": ["0", "30"]}
    assert TermsVersion.objects.get(version=1).data["reporting"]["cure_days"] in (0, "0")


def test_load_terms_bad_file_names_key_path_and_saves_nothing(tmp_path):
    bad = tmp_path / "terms.yaml"
    bad.write_text(TERMS.read_text().replace("advance_rate: 0.85", "advance_rate: 1.85"))

    with pytest.raises(CommandError, match=r"receivables\.advance_rate"):
        call_command("load_terms", str(bad))

    assert Facility.objects.count() == 0
    assert TermsVersion.objects.count() == 0


def _submit_innotrac(ar_path, user: str = "dgamsey") -> None:
    call_command(
        "submit_borrowing_base",
        "--facility",
        "innotrac-2003",
        "--as-of",
        "2003-03-31",
        "--ar",
        str(ar_path),
        "--user",
        user,
    )


def test_submit_borrowing_base_prints_certificate_and_figures(
    innotrac, cfo, abl_analyst, aging_csv
):
    loans.record_opening_balance(
        facility=innotrac,
        actor=abl_analyst,
        amount=Decimal("100000.00"),
        value_date=dt.date(2003, 3, 31),
    )
    out = StringIO()

    call_command(
        "submit_borrowing_base",
        "--facility",
        str(innotrac.pk),
        "--as-of",
        "2003-03-31",
        "--ar",
        str(aging_csv),
        "--outstanding",
        "99,000.00",
        "--user",
        "dgamsey",
        stdout=out,
    )

    result = json.loads(out.getvalue())
    certificate = Certificate.objects.get(pk=result["certificate"])
    assert certificate.status == "submitted"
    assert result["eligible_receivables"] == "642500.00"
    assert result["receivables_availability"] == "546125.00"
    # The outstanding is the ledger's; --outstanding is the borrower's own figure, kept beside it.
    assert result["outstanding"] == "100000.00"
    assert result["excess_availability"] == "446125.00"
    assert certificate.reported_outstanding == Decimal("99000.00")
    assert certificate.submitted.figures == {
        k: v for k, v in result.items() if k not in {"certificate", "status"}
    }


def test_submit_borrowing_base_refused_file_saves_nothing(innotrac, cfo, tmp_path):
    bad = tmp_path / "aging.csv"
    bad.write_text(AGING.replace('"$600,000.00"', "six hundred"))

    with pytest.raises(CommandError, match="row 2"):
        _submit_innotrac(bad)

    assert Certificate.objects.count() == 0


def test_submit_borrowing_base_refuses_bank_user(innotrac, abl_analyst, aging_csv):
    with pytest.raises(CommandError) as refused:
        _submit_innotrac(aging_csv, user="analyst")

    assert str(refused.value) == (
        "--user: analyst is not a user of Innotrac Corporation; "
        "only the borrower reports and certifies"
    )
    assert Certificate.objects.count() == 0


def test_submit_borrowing_base_failing_after_storing_leaves_no_file(
    innotrac, cfo, aging_csv, settings, monkeypatch
):
    from abl.services import certificates

    def refuse(**kwargs):
        raise certificates.CertificateError("Submission failed on purpose.")

    monkeypatch.setattr(certificates, "submit_certificate", refuse)

    with pytest.raises(CommandError, match="on purpose"):
        _submit_innotrac(aging_csv)

    assert Certificate.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert [p for p in media.rglob("*") if p.is_file()] == []


# Bad input: one line naming the argument, and nothing changes.


def _state(settings) -> tuple[int, int, int, list[Path]]:
    media = Path(settings.MEDIA_ROOT)
    return (
        Certificate.objects.count(),
        CollateralFile.objects.count(),
        AuditEvent.objects.count(),
        sorted(p for p in media.rglob("*") if p.is_file()),
    )


def _submit(**arguments: str) -> None:
    options = {"facility": "innotrac-2003", "as-of": "2003-03-31", "user": "dgamsey"}
    options.update({k.replace("_", "-"): v for k, v in arguments.items()})
    argv = [part for key, value in options.items() for part in (f"--{key}", value)]
    call_command("submit_borrowing_base", *argv, stdout=StringIO())


@pytest.fixture
def business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"outstanding": "Infinity"}, "--outstanding: not an amount: 'Infinity'"),
        ({"outstanding": "NaN"}, "--outstanding: not an amount: 'NaN'"),
        ({"outstanding": "-5"}, "--outstanding: must not be negative: '-5'"),
        ({"outstanding": "1e3"}, "--outstanding: not an amount: '1e3'"),
        ({"outstanding": "abc"}, "--outstanding: not an amount: 'abc'"),
        ({"as_of": "2003-02-30"}, "--as-of: not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-02-30'"),
        (
            {"as_of": "2030-01-31"},
            "--as-of: The as-of date 2030-01-31 is after today's business date 2003-04-07.",
        ),
        ({"user": "nobody"}, "--user: no active user named 'nobody'"),
        ({"facility": "nope"}, "--facility: no facility 'nope' that dgamsey may report for"),
        (
            {"facility": "99999999999999999999999"},
            "--facility: no facility '99999999999999999999999' that dgamsey may report for",
        ),
        ({"inventory": "/tmp"}, "--inventory: /tmp is a directory, not a file"),
        ({"ap": "/nonexistent.csv"}, "--ap: no such file: /nonexistent.csv"),
    ],
)
def test_submit_borrowing_base_bad_argument_names_it_and_changes_nothing(
    innotrac, cfo, aging_csv, settings, business_date, arguments, message
):
    before = _state(settings)

    with pytest.raises(CommandError) as refused:
        _submit(ar=str(aging_csv), **arguments)

    assert str(refused.value) == message
    assert _state(settings) == before


def test_submit_borrowing_base_other_borrowers_user_finds_no_facility(innotrac, aging_csv):
    UserFactory(username="stranger", role="borrower")

    with pytest.raises(CommandError) as refused:
        _submit(ar=str(aging_csv), user="stranger")

    assert (
        str(refused.value) == "--facility: no facility 'innotrac-2003' that stranger may report for"
    )


def test_submit_borrowing_base_unreadable_file_changes_nothing(
    innotrac, cfo, tmp_path, settings, business_date
):
    path = tmp_path / "unreadable.csv"
    if os.geteuid() != 0:
        path.write_text(AGING)
        path.chmod(0)
    elif Path("/sys/bus/pci/rescan").exists():
        path.symlink_to("/sys/bus/pci/rescan")  # a kernel file nobody may read
    else:
        pytest.skip("running as root and no write-only file to stand for an unreadable one")
    before = _state(settings)

    with pytest.raises(CommandError) as refused:
        _submit(ar=str(path))

    assert str(refused.value) == f"--ar: cannot read {path}: Permission denied"
    assert _state(settings) == before


def test_submit_borrowing_base_file_refused_by_reader_names_argument(
    innotrac, cfo, tmp_path, settings, business_date
):
    bad = tmp_path / "aging.csv"
    bad.write_text(AGING.replace("CA,N,N", "Canada,N,N"))
    before = _state(settings)

    with pytest.raises(CommandError) as refused:
        _submit(ar=str(bad))

    assert str(refused.value) == (
        f"--ar: {bad} was refused: "
        "row 7, column 'country': not an ISO 3166 two-letter country code: 'Canada'"
    )
    assert _state(settings) == before


def test_submit_borrowing_base_twice_refused_as_already_submitted(
    innotrac, cfo, aging_csv, settings, business_date
):
    _submit(ar=str(aging_csv))
    before = _state(settings)

    with pytest.raises(CommandError) as refused:
        _submit(ar=str(aging_csv))

    assert str(refused.value) == (
        "--as-of: A certificate as of 2003-03-31 is already submitted and under review."
    )
    assert _state(settings) == before


def test_submit_borrowing_base_replaces_a_drafts_file_only_with_replace(
    innotrac, cfo, aging_csv, settings, business_date, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = collateral.report_collateral(
            facility=innotrac,
            actor=cfo,
            as_of=AS_OF,
            files={"receivables": SimpleUploadedFile("web.csv", AGING.encode())},
        )
    web = draft.files.get()
    before = _state(settings)

    with pytest.raises(CommandError) as refused:
        _submit(ar=str(aging_csv))
    assert str(refused.value) == (
        f"This replaces web.csv uploaded on {web.uploaded_on} by dgamsey. "
        "Add --replace to replace it."
    )
    assert _state(settings) == before

    call_command(
        "submit_borrowing_base",
        *("--facility", "innotrac-2003", "--as-of", "2003-03-31"),
        *("--ar", str(aging_csv), "--user", "dgamsey", "--replace"),
        stdout=StringIO(),
    )
    web.refresh_from_db()
    draft.refresh_from_db()
    assert web.status == CollateralFile.Status.REPLACED
    assert draft.status == Certificate.Status.SUBMITTED
    assert draft.files.get(status="accepted").original_name == "aging.csv"


def test_submit_borrowing_base_bad_amount_from_the_shell_is_one_line(aging_csv):
    result = subprocess.run(
        [
            *(sys.executable, "manage.py", "submit_borrowing_base"),
            *("--facility", "innotrac-2003", "--as-of", "2003-03-31", "--ar", str(aging_csv)),
            *("--outstanding", "NaN", "--user", "dgamsey"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "DEBUG": "1"},
        check=False,
    )

    assert (result.returncode, result.stderr) == (
        1,
        "CommandError: --outstanding: not an amount: 'NaN'\n",
    )
