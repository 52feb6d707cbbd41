"""The whole certificate journey in Chromium, with a real Celery worker on Redis.

The borrower uploads the Innotrac sample files, watches them being checked,
drills into an ineligible customer, certifies and submits; the analyst sets a
reserve and approves.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from abl.models import Certificate
from abl.services.terms import load_facility_terms
from tests.browser.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "innotrac"


def test_borrower_reports_and_analyst_approves(page, live_server, celery_worker_on_redis, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    version, _ = load_facility_terms(
        text=(EXAMPLES / "terms.yaml").read_text(), actor=None, reason="test"
    )
    facility = version.facility
    cfo = UserFactory(
        username="dgamsey",
        first_name="David",
        last_name="Gamsey",
        title="Chief Financial Officer",
        role="borrower",
        organisation=facility.borrower,
    )
    UserFactory(username="analyst", role="analyst", organisation=facility.lender)

    # The borrower uploads the period's files.
    login(page, live_server, cfo.username, PASSWORD)
    expect(page.get_by_test_id("business-date")).to_have_text("Business date 2003-04-07")
    page.get_by_role("link", name=facility.name).first.click()
    page.get_by_test_id("report-collateral").click()
    page.locator("#id_as_of").fill("2003-03-31")
    page.locator("#id_reported_outstanding").fill("5000000.00")
    page.locator("#id_receivables").set_input_files(EXAMPLES / "receivables.csv")
    page.locator("#id_inventory").set_input_files(EXAMPLES / "inventory.csv")
    page.locator("#id_payables").set_input_files(EXAMPLES / "payables.csv")
    page.get_by_role("button", name="Upload and check").click()

    # Progress is shown while the worker checks the files; the page then shows the figures.
    expect(page.get_by_test_id("files-panel")).to_be_visible()
    expect(page.get_by_test_id("borrowing_base")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("file-status")).to_have_text(["Accepted"] * 3)

    # Drill from an ineligible category to a customer, to its invoices and their reasons.
    page.locator("[data-testid^=drill-]").first.click()
    page.get_by_test_id("customer-table").get_by_role("link").first.click()
    expect(page.get_by_test_id("invoice-reason").first).not_to_have_text("eligible")
    page.go_back()
    page.go_back()

    # Certify and submit as an officer of the borrower.
    page.locator("#id_confirm").check()
    page.get_by_role("button", name="Certify and submit").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Submitted")
    certificate = Certificate.objects.get()
    submitted_base = certificate.submitted.figures["borrowing_base"]
    page.get_by_role("button", name="Log out").click()

    # The analyst finds it in the queue, sets a reserve and approves.
    login(page, live_server, "analyst", PASSWORD)
    page.get_by_role("link", name="Review queue").click()
    page.get_by_test_id("review-queue").get_by_role("link", name=facility.name).click()
    page.locator("#id_reserve-0-name").fill("Rent reserve")
    page.locator("#id_reserve-0-amount").fill("150000.00")
    page.locator("#id_reserve-0-reason").fill("landlord waiver outstanding")
    page.locator("#id_reason").fill("Field exam 2003-03")
    page.get_by_role("button", name="Save reserves").click()
    # The figures are recomputed by a task; the page polls and reloads when they are ready.
    expect(page.get_by_test_id("reserves")).to_have_text("150,000.00", timeout=30_000)
    page.locator("#id_decision").select_option("approve")
    page.get_by_role("button", name="Record decision").click()

    expect(page.get_by_test_id("certificate-status")).to_have_text("Approved")
    certificate.refresh_from_db()
    assert certificate.submitted.figures["borrowing_base"] == submitted_base
    assert certificate.approved.figures["reserves"] == "150000.00"
