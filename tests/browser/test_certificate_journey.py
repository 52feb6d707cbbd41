"""The whole certificate journey in Chromium, with a real Celery worker on Redis.

The borrower uploads the Innotrac sample files, watches them being checked,
drills into an ineligible customer, certifies and submits; the analyst sets a
reserve and approves. A returned certificate is corrected and resubmitted: a
new draft with its files and figures, one file replaced, approved.
"""

import datetime as dt
from decimal import Decimal
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


ROLL_FORWARD = {
    "ar_prior_balance": "1200000.00",
    "ar_sales": "300000.00",
    "ar_collections": "250000.00",
    "ar_credits": "5000.00",
    "ar_adjustments": "0.00",
    "inv_prior_balance": "900000.00",
    "inv_purchases": "200000.00",
    "inv_cost_of_sales": "150000.00",
    "inv_adjustments": "0.00",
}
REPORTED = {
    "affiliate": "0.00",
    "government": "0.00",
    "foreign": "10000.00",
    "cross_aged": "20000.00",
    "past_due": "75000.00",
    "contra": "0.00",
    "concentration": "30000.00",
}


def _submitted_certificate(facility, cfo) -> Certificate:
    """A certificate submitted with two files and all sixteen figures, through the services."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from abl.services import certificates, collateral
    from abl.tasks import process_collateral_file_task

    draft = collateral.open_draft(facility=facility, as_of=dt.date(2003, 3, 31), actor=cfo)
    for kind in ("receivables", "inventory"):
        upload = SimpleUploadedFile(f"{kind}.csv", (EXAMPLES / f"{kind}.csv").read_bytes())
        received = collateral.receive_file(
            certificate=draft, kind=kind, upload=upload, actor=cfo, queue=False
        )
        process_collateral_file_task(received.pk)
    certificates.save_borrower_figures(
        certificate=draft,
        actor=cfo,
        roll_forward={k: Decimal(v) for k, v in ROLL_FORWARD.items()},
        reported_ineligibles={k: Decimal(v) for k, v in REPORTED.items()},
    )
    return certificates.submit_certificate(
        certificate=draft, actor=cfo, name="David Gamsey", title="CFO", explanation="Timing"
    )


def test_a_returned_certificate_is_corrected_and_resubmitted(
    page, live_server, celery_worker_on_redis, settings, tmp_path
):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    version, _ = load_facility_terms(
        text=(EXAMPLES / "terms.yaml").read_text(), actor=None, reason="test"
    )
    facility = version.facility
    cfo = UserFactory(
        username="dgamsey", title="CFO", role="borrower", organisation=facility.borrower
    )
    UserFactory(username="analyst", role="analyst", organisation=facility.lender)
    returned = _submitted_certificate(facility, cfo)

    # The analyst returns it.
    login(page, live_server, "analyst", PASSWORD)
    page.get_by_role("link", name="Review queue").click()
    page.get_by_test_id("review-queue").get_by_role("link", name=facility.name).click()
    page.locator("#id_decision").select_option("return")
    page.locator("#id_comment").fill("Inventory includes consigned stock; send it again without.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Returned")
    page.get_by_role("button", name="Log out").click()

    # The borrower corrects it: a new draft, its files checked again, all 16 figures filled in.
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/certificates/{returned.pk}/")
    page.get_by_role("button", name="Correct and resubmit").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Draft")
    expect(page.get_by_test_id("corrects")).to_contain_text("Inventory includes consigned stock")
    expect(page.get_by_test_id("file-status")).to_have_text(["Accepted"] * 2, timeout=60_000)
    page.goto(page.url)  # the page as it stands once checked (the panel refreshes it anyway)
    form = page.get_by_test_id("roll-forward-form")
    for name, value in ROLL_FORWARD.items():
        expect(form.locator(f"#id_{name}")).to_have_value(value)
    for name, value in REPORTED.items():
        expect(form.locator(f"#id_reported-{name}")).to_have_value(value)

    # It replaces the inventory file with one row fewer, and certifies again.
    lines = (EXAMPLES / "inventory.csv").read_text().splitlines(keepends=True)
    corrected = tmp_path / "inventory-corrected.csv"
    corrected.write_text("".join(lines[:-1]))
    replace = page.get_by_test_id("replace-form")
    replace.locator("#id_kind").select_option("inventory")
    replace.locator("#id_file").set_input_files(corrected)
    replace.locator("#id_replace").check()
    replace.get_by_role("button", name="Add or replace a file").click()
    inventory = page.get_by_test_id("file-inventory")
    expect(inventory).to_have_count(1, timeout=60_000)  # the old file is replaced once it is
    expect(inventory).to_contain_text("inventory-corrected.csv")
    expect(inventory.get_by_test_id("file-status")).to_have_text("Accepted")
    page.goto(page.url)
    expect(page.get_by_test_id("file-status")).to_have_text(["Accepted"] * 2)
    page.locator("#id_explanation").fill("Timing")
    page.locator("#id_confirm").check()
    page.get_by_role("button", name="Certify and submit").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Submitted")
    page.get_by_role("button", name="Log out").click()

    # The analyst approves the correction; the returned one stays on record, linked to it.
    login(page, live_server, "analyst", PASSWORD)
    page.get_by_role("link", name="Review queue").click()
    page.get_by_test_id("review-queue").get_by_role("link", name=facility.name).click()
    page.locator("#id_decision").select_option("approve")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("certificate-status")).to_have_text("Approved")
    correction = Certificate.objects.get(corrects=returned)
    assert correction.status == "approved"
    assert Certificate.objects.get(pk=returned.pk).status == "returned"
    page.goto(f"{live_server.url}/certificates/{returned.pk}/")
    expect(page.get_by_test_id("correction")).to_contain_text("approved")
