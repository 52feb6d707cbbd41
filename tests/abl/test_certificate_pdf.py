"""The borrowing base certificate as a PDF: rendered by WeasyPrint and read back, DRAFT until
approved, stored once per state and never changed, downloadable by both sides."""

import hashlib
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from pypdf import PdfReader

from abl.models import AuditEvent, Certificate, CertificateDocument
from abl.services import certificates
from abl.services.documents import render_certificate_document
from abl.services.errors import CertificateError
from tests.abl.conftest import AGING, post_report
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables=AGING)
    return Certificate.objects.get()


@pytest.fixture
def submitted(draft, cfo):
    return certificates.submit_certificate(
        certificate=draft, actor=cfo, name="David Gamsey", title="Chief Financial Officer"
    )


def _text(document: CertificateDocument) -> str:
    reader = PdfReader(io.BytesIO(bytes(document.pdf)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_submitted_certificates_pdf_holds_its_figures_and_says_draft(submitted):
    text = _text(render_certificate_document(certificate_id=submitted.pk))

    assert "Borrowing base certificate — DRAFT" in text
    assert "Innotrac Corporation" in text
    assert "2003-03-31" in text
    assert "1,245,000.00" in text  # gross receivables
    assert "642,500.00" in text  # eligible receivables
    assert "546,125.00" in text  # the borrowing base
    assert "David Gamsey, Chief Financial Officer" in text
    assert "Not approved: DRAFT." in text


def test_the_pdf_lists_the_largest_ineligible_customers_with_why(submitted):
    text = _text(render_certificate_document(certificate_id=submitted.pk))

    section = text.split("Largest ineligible customers", 1)[1].split("Certification", 1)[0]
    assert section.split(" Ineligible because ", 1)[1].strip() == (
        "BellSouth Telecommunications (BELLSOUTH) 1,000,000.00 452,500.00 concentration "
        "Innotrac Affiliate Co (AFFCO) 80,000.00 80,000.00 affiliate "
        "Acme Retail (ACME) 150,000.00 50,000.00 past due "
        "Maple Telecom Ltd (MAPLE) 20,000.00 20,000.00 foreign"
    )


def test_the_pdf_names_its_columns_as_the_certificate_page_does(client, draft, cfo):
    certificates.save_borrower_figures(
        certificate=draft,
        actor=cfo,
        roll_forward={"ar_prior_balance": Decimal("1245000.00")},
        reported_ineligibles={},
    )
    page = client.get(f"/certificates/{draft.pk}/").content.decode()
    submitted = certificates.submit_certificate(
        certificate=draft, actor=cfo, name="David Gamsey", title="Chief Financial Officer"
    )

    text = _text(render_certificate_document(certificate_id=submitted.pk))

    roll_forward = text.split("Roll-forward", 1)[1].split("Receivables", 1)[0].strip()
    assert roll_forward == "Ledger File Difference (file − ledger)"
    for column in ("Ledger", "File", "Difference (file − ledger)"):
        assert f'<th class="money">{column}</th>' in page
    assert "Customer Gross Ineligible Ineligible because" in text


def test_the_approved_certificates_pdf_names_the_approver_and_is_no_draft(submitted, abl_analyst):
    first = render_certificate_document(certificate_id=submitted.pk)
    certificates.approve_certificate(certificate=submitted, actor=abl_analyst, comment="Fine.")

    approved = render_certificate_document(certificate_id=submitted.pk)

    text = _text(approved)
    assert approved.pk != first.pk
    assert approved.state == CertificateDocument.State.APPROVED
    assert "DRAFT" not in text
    assert f"Approved by {abl_analyst.get_full_name() or abl_analyst.username}" in text
    assert CertificateDocument.objects.filter(certificate=submitted).count() == 2


def test_rendering_again_for_the_same_state_makes_no_second_record(submitted):
    first = render_certificate_document(certificate_id=submitted.pk)
    again = render_certificate_document(certificate_id=submitted.pk)

    assert again.pk == first.pk
    assert CertificateDocument.objects.count() == 1
    assert first.sha256 == hashlib.sha256(bytes(first.pdf)).hexdigest()
    assert AuditEvent.objects.filter(action="certificate.pdf_rendered").count() == 1


def test_the_database_refuses_to_change_or_delete_a_document(submitted):
    document = render_certificate_document(certificate_id=submitted.pk)

    with pytest.raises(DatabaseError), transaction.atomic():
        CertificateDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        CertificateDocument.objects.filter(pk=document.pk).delete()

    assert CertificateDocument.objects.get().sha256 == document.sha256


def test_submitting_renders_the_pdf_once_the_submission_commits(
    draft, cfo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificates.submit_certificate(
            certificate=draft, actor=cfo, name="David Gamsey", title="Chief Financial Officer"
        )

    assert CertificateDocument.objects.filter(
        certificate=draft, state=CertificateDocument.State.SUBMITTED
    ).exists()


def test_a_draft_has_no_pdf(client, draft):
    with pytest.raises(CertificateError, match="once it is submitted"):
        render_certificate_document(certificate_id=draft.pk)

    assert client.get(f"/certificates/{draft.pk}/certificate.pdf").status_code == 404


def test_both_sides_download_it_and_nobody_else(client, submitted, cfo, abl_analyst):
    for user in (cfo, abl_analyst):
        client.force_login(user)
        response = client.get(f"/certificates/{submitted.pk}/certificate.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    client.force_login(UserFactory(role="borrower", organisation=OrganisationFactory()))
    assert client.get(f"/certificates/{submitted.pk}/certificate.pdf").status_code == 404


def test_render_certificate_writes_the_pdf_and_prints_its_hash(submitted, tmp_path):
    out = tmp_path / "certificate.pdf"
    stdout = StringIO()

    call_command(
        "render_certificate", "--certificate", str(submitted.pk), "--out", str(out), stdout=stdout
    )

    document = CertificateDocument.objects.get()
    assert out.read_bytes() == bytes(document.pdf)
    assert stdout.getvalue().split()[0] == document.sha256


def test_render_certificate_refuses_a_draft_and_an_unknown_id(draft, tmp_path):
    out = tmp_path / "certificate.pdf"

    with pytest.raises(CommandError, match=r"--certificate: .*once it is submitted"):
        call_command("render_certificate", "--certificate", str(draft.pk), "--out", str(out))
    with pytest.raises(CommandError, match="--certificate: no certificate 999999"):
        call_command("render_certificate", "--certificate", "999999", "--out", str(out))

    assert not out.exists()
    assert CertificateDocument.objects.count() == 0
