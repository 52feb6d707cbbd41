"""load_terms and submit_borrowing_base from the command line."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from abl.models import AuditEvent, Certificate, Facility, TermsVersion
from tests.abl.conftest import AGING, TERMS

pytestmark = pytest.mark.django_db


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


def test_submit_borrowing_base_prints_certificate_and_figures(innotrac, cfo, aging_csv):
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
        "100,000.00",
        "--user",
        "dgamsey",
        stdout=out,
    )

    result = json.loads(out.getvalue())
    certificate = Certificate.objects.get(pk=result["certificate"])
    assert certificate.status == "submitted"
    assert result["eligible_receivables"] == "642500.00"
    assert result["receivables_availability"] == "546125.00"
    assert result["excess_availability"] == "446125.00"
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
    with pytest.raises(CommandError, match="not a borrower user"):
        call_command(
            "submit_borrowing_base",
            "--facility",
            str(innotrac.pk),
            "--as-of",
            "2003-03-31",
            "--ar",
            str(aging_csv),
            "--user",
            "analyst",
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
