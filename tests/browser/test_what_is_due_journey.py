"""What is due next, in Chromium (issue 23, findings 8 and 16): one rule on every page.

Innotrac, business date 2003-04-07. Its certificate as of 2003-03-31 (due 2003-04-15) is
submitted and approved today: March's certificate is received, so the next one due is
April's, 2003-05-15, on the borrower's home page and the manager's portfolio alike; once
March's statements are in, the next statements due are April's, 2003-05-30. Before the
first approved certificate nothing is owed: the financial reporting page and "What is due"
agree.
"""

import pytest
from playwright.sync_api import expect

from covenants.services import statements
from tests.abl.loans.conftest import AS_OF, TODAY, approve_certificate
from tests.browser.conftest import login
from tests.covenants.conftest import figures
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}


def test_next_due_reads_the_following_period_once_the_due_one_is_received(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    page.set_viewport_size(LAPTOP)
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    manager = UserFactory(username="rm", role="relationship_manager", organisation=innotrac.lender)
    innotrac.relationship_managers.add(manager)
    approve_certificate(innotrac, cfo, analyst)  # as of 2003-03-31: March received

    # The borrower's home page: April's certificate and March's statements are next.
    login(page, live_server, cfo.username, PASSWORD)
    line = page.get_by_test_id(f"due-next-{innotrac.pk}")
    expect(line.locator("td").nth(3)).to_have_text("2003-05-15")
    expect(line.locator("td").nth(4)).to_have_text("2003-04-30")

    # March's statements are submitted: April's are next.
    statements.submit_statement(
        facility=innotrac,
        kind="actual",
        period_end=AS_OF,
        financials=figures(),
        user=cfo,
        officer_title="CFO",
    )
    page.reload()
    expect(line.locator("td").nth(3)).to_have_text("2003-05-15")
    expect(line.locator("td").nth(4)).to_have_text("2003-05-30")

    # The manager's portfolio names the same next certificate.
    page.context.clear_cookies()
    login(page, live_server, manager.username, PASSWORD)
    row = page.get_by_test_id("portfolio-table").get_by_test_id("position-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("2003-05-15")


def test_nothing_is_owed_before_the_first_approved_certificate_on_either_page(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    page.set_viewport_size(LAPTOP)
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    login(page, live_server, cfo.username, PASSWORD)

    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/due/")
    expect(page.get_by_test_id("due-calendar")).to_contain_text("Nothing is due yet")
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/financials/")
    due = page.get_by_test_id("due-statements")
    expect(due).to_contain_text("Nothing is due yet")
    expect(due).not_to_contain_text("Overdue")
    expect(due.get_by_test_id("due-statement")).to_have_count(0)

    # The first certificate is approved: March's statements are owed, not January's.
    approve_certificate(innotrac, cfo, analyst)
    page.reload()
    rows = due.get_by_test_id("due-statement")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2003-03-31")
    expect(rows.first).to_contain_text("2003-04-30")
    expect(rows.first).to_contain_text("Due")
