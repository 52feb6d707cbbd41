"""Dates of record show the business date (§1), never the wall clock beside it.

Innotrac's certificate is reported, submitted and approved, and an advance requested and
declined, and an opening balance booked, on business date 2003-04-07 while the machine's clock
says today: the certificate page, its PDF, its files, the loan page, the advance, the ledger,
the review queue and the audit trail all say 2003-04-07; the audit trail keeps the system time beside it.

The loan documents and the covenants the same way: the terms recorded and acknowledged, a
checklist file uploaded, the fee statement's PDF rendered (page and PDF), a financial statement
accepted, a breach case opened and waived, and the compliance certificate as accepted.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from abl.services import loan_documents, loans
from abl.services.terms import load_facility_terms
from covenants.models import BreachCase
from covenants.services import breaches, statements
from tests.abl.conftest import TERMS
from tests.abl.loans.conftest import TODAY, approve_certificate
from tests.browser.conftest import login
from tests.covenants.conftest import figures
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = TODAY.isoformat()


def test_every_date_of_record_is_the_business_date(page, live_server, settings, innotrac, cfo):
    settings.ABL_BUSINESS_DATE = DAY
    settings.CELERY_TASK_ALWAYS_EAGER = True
    wall_year = str(timezone.now().year)
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    certificate = approve_certificate(innotrac, cfo, analyst)
    declined = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("1000.00"), key="a"
    )
    loans.decline_advance(advance=declined, actor=analyst, comment="Not now")
    waiting = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("2000.00"), key="b"
    )
    loans.record_opening_balance(
        facility=innotrac, actor=analyst, amount=Decimal("5000.00"), value_date=TODAY
    )

    login(page, live_server, analyst.username, PASSWORD)

    # The certificate: certified, approved and its file uploaded on the business date.
    page.goto(live_server.url + reverse("certificate_detail", args=[certificate.pk]))
    certified = page.get_by_text("Certified by David Gamsey")
    expect(certified).to_contain_text(f"on {DAY}.")
    expect(page.get_by_test_id("review-note")).to_contain_text(f"on {DAY}")
    expect(page.get_by_test_id("files-panel")).to_contain_text(f"{DAY} by dgamsey")
    for shown in (
        certified,
        page.get_by_test_id("review-note"),
        page.get_by_test_id("files-panel"),
    ):
        expect(shown).not_to_contain_text(wall_year)

    # Its PDF: the same dates.
    with page.expect_download() as download:
        page.get_by_test_id("certificate-pdf").click()
    with open(download.value.path(), "rb") as pdf:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert f"certified and submitted on {DAY}" in " ".join(text.split())
    assert f"on {DAY}" in " ".join(text.split()).split("Approved by", 1)[1]
    assert wall_year not in text

    # The advances: requested and decided on the business date.
    page.goto(live_server.url + reverse("advance_detail", args=[declined.pk]))
    expect(page.get_by_test_id("advance-meta")).to_contain_text(f"requested {DAY} by dgamsey")
    expect(page.get_by_test_id("advance-state-line")).to_contain_text(f"on {DAY}")
    page.goto(live_server.url + reverse("loan", args=[innotrac.pk]))
    expect(page.get_by_test_id(f"advance-{waiting.pk}")).to_contain_text(f"{DAY} by dgamsey")
    page.goto(live_server.url + reverse("ledger", args=[innotrac.pk]))
    entries = page.get_by_test_id("ledger-entries")
    expect(entries).to_contain_text(f"{DAY} by analyst")
    expect(entries).not_to_contain_text(wall_year)
    page.goto(live_server.url + reverse("review_queue"))
    queued = page.get_by_test_id(f"queued-advance-{waiting.pk}")
    expect(queued).to_contain_text(DAY)
    expect(queued).not_to_contain_text(wall_year)

    # The audit trail: the business date first, the system time (UTC) beside it.
    page.goto(live_server.url + reverse("audit_list"))
    newest = page.get_by_test_id("audit-row").first
    expect(newest.locator("td").nth(0)).to_have_text(DAY)
    expect(newest.locator("td").nth(1)).to_contain_text(wall_year)
    header = page.get_by_test_id("audit-table").locator("thead")
    expect(header).to_contain_text("Business date")
    expect(header).to_contain_text("System time (UTC)")


def _pdf_text(download) -> str:
    with open(download.value.path(), "rb") as pdf:
        pages = PdfReader(io.BytesIO(pdf.read())).pages
    return " ".join(" ".join(p.extract_text().split()) for p in pages)


def test_loan_documents_fees_and_covenants_show_the_business_date(page, live_server, settings):
    settings.ABL_BUSINESS_DATE = DAY
    settings.CELERY_TASK_ALWAYS_EAGER = True
    wall_year = str(timezone.now().year)
    terms, _ = load_facility_terms(text=TERMS.read_text(), actor=None, reason="test")
    facility = terms.facility
    cfo = UserFactory(username="dgamsey", role="borrower", organisation=facility.borrower)
    analyst = UserFactory(username="analyst", role="analyst", organisation=facility.lender)
    loan_documents.acknowledge_terms(
        version=terms, sha256=loan_documents.terms_hash(terms), actor=cfo
    )
    item = loan_documents.request_item(facility=facility, title="Landlord waiver", actor=analyst)
    loan_documents.attach_file(
        item=item, upload=SimpleUploadedFile("waiver.pdf", b"%PDF landlord"), actor=cfo
    )
    version = statements.submit_statement(
        facility=facility,
        kind="actual",
        period_end=dt.date(2003, 3, 31),
        financials=figures(total_equity="34500000.00"),  # short of the net worth minimum
        user=cfo,
        officer_title="Chief Financial Officer",
    )
    case = BreachCase.objects.get(statement=version.statement)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, analyst.username, PASSWORD)

    # The terms: recorded and acknowledged on the business date.
    page.goto(live_server.url + reverse("facility_detail", args=[facility.pk]))
    history = page.get_by_test_id("terms-history")
    expect(history).to_contain_text(DAY)
    expect(history).not_to_contain_text(wall_year)
    expect(page.get_by_test_id("terms-acknowledged")).to_contain_text(f"on {DAY}")
    expect(page.get_by_test_id("terms-acknowledged")).not_to_contain_text(wall_year)

    # The checklist: the file uploaded on the business date.
    page.goto(live_server.url + reverse("checklist", args=[facility.pk]))
    row = page.get_by_test_id("checklist-item").filter(has_text="Landlord waiver")
    expect(row).to_contain_text(f"bytes, {DAY}, {cfo.get_full_name()}")
    expect(row).not_to_contain_text(wall_year)

    # The fee statement: its PDF rendered on the business date, in the PDF and on the page.
    page.goto(live_server.url + reverse("fee_statement", args=[facility.pk]) + "?month=2003-03")
    with page.expect_download() as download:
        page.get_by_test_id("statement-pdf").click()
    text = _pdf_text(download)
    assert f"Rendered on {DAY}" in text
    assert wall_year not in text
    page.reload()
    documents = page.get_by_test_id("statement-documents")
    expect(documents).to_contain_text(f"rendered {DAY}")
    expect(documents).not_to_contain_text(wall_year)

    # The breach case: opened on the business date (the queue), waived on it (its page).
    page.goto(live_server.url + reverse("breach_queue"))
    queue = page.get_by_test_id("breach-queue")
    expect(queue).to_contain_text(DAY)
    expect(queue).not_to_contain_text(wall_year)
    breaches.waive_breach(
        case=case,
        reason="Waived for the quarter",
        document=SimpleUploadedFile("waiver.pdf", b"%PDF waiver"),
        user=analyst,
    )
    page.goto(live_server.url + reverse("breach_detail", args=[case.pk]))
    status = page.get_by_test_id("case-status")
    expect(status).to_contain_text(f"analyst, {DAY})")
    expect(status).not_to_contain_text(wall_year)

    # The statement: accepted on the business date, on its page and its certificate as accepted.
    statements.accept_statement(version=version, user=analyst)
    page.goto(live_server.url + reverse("statement_detail", args=[version.pk]))
    accepted = page.get_by_test_id("statement-record")
    expect(accepted).to_contain_text(f"Accepted by {analyst.get_full_name()} on {DAY}.")
    expect(accepted).not_to_contain_text(wall_year)
    with page.expect_download() as download:
        page.get_by_test_id("accepted-certificate-download").click()
    text = _pdf_text(download)
    assert f"on {DAY}." in text.split("Accepted by", 1)[1]
    assert wall_year not in text
