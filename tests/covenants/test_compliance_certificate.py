"""The compliance certificate: rendered on submission, read back, stored once and never changed."""

import io

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from pypdf import PdfReader

from covenants.models import ComplianceCertificate
from covenants.services.certificates import render_compliance_certificate

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_submitting_renders_the_certificate_with_the_figures(submit):
    version = submit(total_equity="34500000.00")

    certificate = ComplianceCertificate.objects.get(statement_version=version)
    text = _text(bytes(certificate.pdf))
    assert "Compliance certificate" in text
    assert "2003-03-31" in text
    assert "32,500,000.00" in text  # tangible net worth required
    assert "32,000,000.00" in text  # actual
    assert "(500,000.00)" in text  # headroom
    assert "Breached" in text
    assert "2.50" in text  # fixed charge coverage
    assert "0.94" in text  # debt to tangible net worth, 30M ÷ 32M
    assert "David Gamsey, Chief Financial Officer" in text
    assert "Pending" in text  # the bank's acceptance, not yet given


def test_the_certificate_is_laid_out_by_its_static_stylesheet(submit):
    version = submit()

    pdf = bytes(ComplianceCertificate.objects.get(statement_version=version).pdf)

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (page.mediabox.width, page.mediabox.height) == (612, 792)  # US letter, from the CSS


def test_the_stored_hash_is_the_pdfs(submit):
    import hashlib

    certificate = ComplianceCertificate.objects.get(statement_version=submit())

    assert certificate.sha256 == hashlib.sha256(bytes(certificate.pdf)).hexdigest()


def test_rendering_again_makes_no_second_record(submit):
    version = submit()
    first = ComplianceCertificate.objects.get()

    again = render_compliance_certificate(version_id=version.pk)

    assert again.pk == first.pk
    assert ComplianceCertificate.objects.count() == 1


def test_the_database_refuses_a_second_certificate_for_the_version(submit):
    version = submit()
    first = ComplianceCertificate.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        ComplianceCertificate.objects.create(
            statement_version=version, test=first.test, pdf=b"x", sha256="0" * 64
        )


def test_the_database_refuses_to_change_or_delete_a_certificate(submit):
    submit()
    certificate = ComplianceCertificate.objects.get()

    with pytest.raises(Exception, match="unchangeable"), transaction.atomic():
        ComplianceCertificate.objects.filter(pk=certificate.pk).update(sha256="0" * 64)
    with (
        pytest.raises(Exception, match="unchangeable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM covenants_compliancecertificate")

    assert ComplianceCertificate.objects.get().sha256 == certificate.sha256


def test_projections_have_no_certificate(submit):
    import datetime as dt

    submit(period_end=dt.date(2003, 6, 30), kind="projection")

    assert ComplianceCertificate.objects.count() == 0


def test_accepting_renders_the_certificate_again_with_the_banks_acceptance(
    client, submit, abl_analyst, django_capture_on_commit_callbacks
):
    from covenants.models import AcceptedCertificate
    from covenants.services import statements

    version = submit(total_equity="34500000.00")
    submitted = ComplianceCertificate.objects.get(statement_version=version)

    with django_capture_on_commit_callbacks(execute=True):
        statements.accept_statement(version=version, user=abl_analyst)

    accepted = AcceptedCertificate.objects.get(certificate=submitted)
    text = _text(bytes(accepted.pdf))
    assert f"Accepted by {abl_analyst.get_full_name() or abl_analyst.username}" in text
    assert "Pending" not in text
    assert "32,000,000.00" in text  # the same figures as submitted
    assert "David Gamsey, Chief Financial Officer" in text
    assert "Pending" in _text(bytes(submitted.pdf))  # the one submitted never changes
    client.force_login(abl_analyst)
    download = client.get(f"/statements/{version.pk}/certificate.pdf?as=accepted")
    assert download.content == bytes(accepted.pdf)
    assert download["X-Content-SHA256"] == accepted.sha256


def test_rendering_as_accepted_again_makes_no_second_record_and_the_row_never_changes(
    submit, abl_analyst
):
    from covenants.models import AcceptedCertificate
    from covenants.services import statements
    from covenants.services.certificates import render_accepted_certificate

    version = submit()
    statements.accept_statement(version=version, user=abl_analyst)

    first = render_accepted_certificate(version_id=version.pk)
    again = render_accepted_certificate(version_id=version.pk)

    assert again.pk == first.pk
    assert AcceptedCertificate.objects.count() == 1
    with pytest.raises(DatabaseError), transaction.atomic():  # the database refuses
        AcceptedCertificate.objects.filter(pk=first.pk).update(sha256="0" * 64)
    assert AcceptedCertificate.objects.get().sha256 == first.sha256


def test_a_statement_not_accepted_has_no_accepted_certificate(client, submit, abl_analyst):
    from covenants.services.certificates import render_accepted_certificate
    from covenants.services.errors import CovenantRefused

    version = submit()

    with pytest.raises(CovenantRefused, match="has not been accepted"):
        render_accepted_certificate(version_id=version.pk)
    client.force_login(abl_analyst)
    assert client.get(f"/statements/{version.pk}/certificate.pdf?as=accepted").status_code == 404
