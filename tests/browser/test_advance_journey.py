"""The advance journey in Chromium: the borrower asks, the analyst approves, the borrower sees it.

Innotrac with the small aging's certificate approved (line cap 546,125.00) and
400,000.00 outstanding in the ledger, on the business date 2003-04-07.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from abl.models import AdvanceRequest
from abl.services import loans
from tests.abl.loans.conftest import TODAY, approve_certificate
from tests.browser.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_borrower_asks_analyst_approves_borrower_sees_the_new_balance(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the cadence's re-evaluation runs in-process
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    approve_certificate(innotrac, cfo, analyst)
    loans.record_opening_balance(
        facility=innotrac, actor=analyst, amount=Decimal("400000.00"), value_date=TODAY
    )

    # The borrower asks for an advance from the facility's page.
    login(page, live_server, cfo.username, PASSWORD)
    page.get_by_role("link", name=innotrac.name).first.click()
    expect(page.get_by_test_id("live-excess")).to_have_text("146,125.00")
    page.get_by_test_id("loan-page").click()
    page.get_by_label("Amount").fill("46125.00")
    page.get_by_label("Purpose").fill("April payroll")
    page.get_by_role("button", name="Request the advance").click()
    advance = AdvanceRequest.objects.get()
    expect(
        page.get_by_test_id(f"advance-{advance.pk}").get_by_test_id("advance-state")
    ).to_have_text("Requested")

    # The analyst finds it beside the certificate queue, sees before and after, approves.
    page.context.clear_cookies()
    login(page, live_server, analyst.username, PASSWORD)
    page.get_by_role("link", name="Review queue").click()
    page.get_by_test_id(f"queued-advance-{advance.pk}").get_by_role("link").click()
    expect(page.get_by_test_id("excess-before")).to_have_text("146,125.00")
    expect(page.get_by_test_id("excess-after")).to_have_text("100,000.00")
    page.get_by_label("Decision").select_option("approve")
    page.get_by_label("Comment").fill("Within availability")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("advance-queue")).to_contain_text("Nothing waiting.")

    # The borrower sees the new balance and availability.
    page.context.clear_cookies()
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/loan/")
    expect(page.get_by_test_id("live-outstanding")).to_have_text("446,125.00")
    expect(page.get_by_test_id("live-excess")).to_have_text("100,000.00")
    expect(page.get_by_test_id("live-excess-pct")).to_have_text("18.31%")
    expect(
        page.get_by_test_id(f"advance-{advance.pk}").get_by_test_id("advance-state")
    ).to_have_text("Approved by analyst")
