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
    page.get_by_label("Approve").check()
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


def _ask(page, amount: str, purpose: str) -> AdvanceRequest:
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Purpose").fill(purpose)
    page.get_by_role("button", name="Request the advance").click()
    expect(page.get_by_test_id("advance-requests")).to_contain_text(purpose)
    return AdvanceRequest.objects.get(purpose=purpose)


def test_requests_in_flight_withdrawal_two_approvals_and_one_refusal_shown_once(
    page, live_server, settings, innotrac, cfo
):
    """§7 in the pages, at 1366 px: the borrower sees the requests awaiting a decision netted
    and withdraws one; an advance above the first analyst's limit waits for a second analyst;
    an approval that would overdraw is refused once, and no decision stays chosen."""
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    page.set_viewport_size({"width": 1366, "height": 900})
    analyst = UserFactory(
        username="analyst",
        role="analyst",
        organisation=innotrac.lender,
        approval_limit=Decimal("50000.00"),
    )
    UserFactory(username="analyst2", role="analyst", organisation=innotrac.lender)
    approve_certificate(innotrac, cfo, analyst)
    loans.record_opening_balance(
        facility=innotrac, actor=analyst, amount=Decimal("400000.00"), value_date=TODAY
    )

    # The borrower asks twice: the page nets both against 146,125.00, then one is withdrawn.
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/loan/")
    payroll = _ask(page, "100000.00", "April payroll")
    stock = _ask(page, "80000.00", "Stock")
    expect(page.get_by_test_id("live-pending")).to_have_text("180,000.00")
    expect(page.get_by_test_id("live-after-pending")).to_have_text("(33,875.00)")
    page.get_by_test_id(f"withdraw-{stock.pk}").click()
    expect(page.get_by_test_id(f"advance-{stock.pk}").get_by_test_id("advance-state")).to_have_text(
        "Withdrawn by dgamsey"
    )
    expect(page.get_by_test_id("live-pending")).to_have_text("100,000.00")
    expect(page.get_by_test_id("live-after-pending")).to_have_text("46,125.00")

    # The first analyst (limit 50,000.00) approves: it waits for a second analyst.
    page.context.clear_cookies()
    login(page, live_server, analyst.username, PASSWORD)
    page.goto(f"{live_server.url}/reviews/")
    row = page.get_by_test_id(f"queued-advance-{payroll.pk}")
    expect(row.get_by_test_id("queue-pending")).to_have_text("100,000.00")
    expect(row.get_by_test_id("queue-after-pending")).to_have_text("46,125.00")
    row.get_by_role("link").first.click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id(f"queued-advance-{payroll.pk}")).to_contain_text(
        "Approved once by analyst: awaits a second analyst's approval"
    )
    assert loans.live_availability(innotrac).outstanding == Decimal("400000.00")

    # The second analyst approves: the money moves.
    page.context.clear_cookies()
    login(page, live_server, "analyst2", PASSWORD)
    page.goto(f"{live_server.url}/advances/{payroll.pk}/")
    expect(page.get_by_test_id("first-approval")).to_contain_text("First approval by analyst")
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("advance-queue")).to_contain_text("Nothing waiting.")
    assert loans.live_availability(innotrac).outstanding == Decimal("500000.00")

    # Too much now: refused once, and the decision is asked again.
    too_much = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("60000.00"), key="too-much"
    )
    page.goto(f"{live_server.url}/advances/{too_much.pk}/")
    page.get_by_label("Approve").check()
    page.get_by_label("Comment").fill("Let us try")
    page.get_by_role("button", name="Record the decision").click()
    refusal = "would take excess availability below zero"
    expect(page.get_by_test_id("decision-refused")).to_contain_text(refusal)
    assert page.locator("body").inner_text().count(refusal) == 1
    expect(page.get_by_label("Approve")).not_to_be_checked()
    expect(page.get_by_label("Decline")).not_to_be_checked()
    expect(page.get_by_label("Comment")).to_have_value("Let us try")
