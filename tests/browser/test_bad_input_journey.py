"""Bad input in Chromium: the page says what is wrong beside the field, and nothing is stored
(issue 22: an amount written as `1E5`, finding 14; a statement period of 9999-12-31, finding 8)."""

import pytest
from playwright.sync_api import expect

from abl.models import AdvanceRequest
from covenants.models import FinancialStatement
from tests.abl.loans.conftest import TODAY
from tests.browser.conftest import login
from tests.covenants.conftest import HEALTHY
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_amount_with_an_exponent_is_refused_and_grouped_thousands_are_taken(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/loan/")

    page.get_by_label("Amount").fill("1E5")
    page.get_by_role("button", name="Request the advance").click()

    expect(page.get_by_text("not an amount: '1E5'")).to_be_visible()
    assert AdvanceRequest.objects.count() == 0

    page.get_by_label("Amount").fill("1,000.00")
    page.get_by_role("button", name="Request the advance").click()

    advance = AdvanceRequest.objects.get()
    expect(
        page.get_by_test_id(f"advance-{advance.pk}").get_by_test_id("advance-state")
    ).to_have_text("Requested")
    assert str(advance.amount) == "1000.00"


def test_a_statement_for_9999_12_31_is_refused_beside_its_period_end(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = "2003-04-20"
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/financials/")
    form = page.get_by_test_id("statement-form")
    form.locator("#id_kind").select_option("projection")
    form.locator("#id_period_end").fill("9999-12-31")
    for name, value in HEALTHY.items():
        if name != "approved_additional_capex":
            form.locator(f"#id_{name}").fill(value)
    form.locator("#id_officer_title").fill("CFO")
    form.locator("#id_certify").check()
    form.get_by_role("button", name="Certify and submit").click()

    expect(
        page.get_by_text("9999-12-31 is after 2999-12-31, the last date ABL Desk handles")
    ).to_be_visible()
    assert FinancialStatement.objects.count() == 0
