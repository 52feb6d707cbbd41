"""Dates of record show the business date (§1), never the wall clock beside it.

Innotrac's certificate is reported, submitted and approved, and an advance requested and
declined, and an opening balance booked, on business date 2003-04-07 while the machine's clock
says today: the certificate page, its PDF, its files, the loan page, the advance, the ledger,
the review queue and the audit trail all say 2003-04-07; the audit trail keeps the system time beside it.
"""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from abl.services import loans
from tests.abl.loans.conftest import TODAY, approve_certificate
from tests.browser.conftest import login
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
