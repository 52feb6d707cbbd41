"""What a breach case's resolution says on the pages, in Chromium (issue 23, findings 12, 13).

Innotrac's quarter to 2003-03-31 short of the tangible net worth minimum (32,000,000 against
32,500,000), submitted by the CFO, on the business date 2003-04-20:

- amended from 2003-03-31, the facility page labels that covenant with the amendment (not the
  letter's quote) and gives the one date the analyst chose, as the breach page does;
- waived, a restatement that is worse opens a new case on the statement's page.
"""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from abl.services.terms import load_facility_terms
from covenants.models import BreachCase
from covenants.services import statements
from tests.abl.conftest import TERMS
from tests.browser.conftest import login
from tests.covenants.conftest import figures
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def breached(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-20"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    version, _ = load_facility_terms(text=TERMS.read_text(), actor=None, reason="test")
    facility = version.facility
    cfo = UserFactory(username="dgamsey", role="borrower", organisation=facility.borrower)
    UserFactory(username="analyst", role="analyst", organisation=facility.lender)

    def submit(total_equity: str, reason: str = ""):
        return statements.submit_statement(
            facility=facility,
            kind="actual",
            period_end=dt.date(2003, 3, 31),
            financials=figures(total_equity=total_equity),
            user=cfo,
            officer_title="Chief Financial Officer",
            reason=reason,
        )

    submit("34500000.00")
    return facility, submit


def _open_the_case(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "analyst", PASSWORD)
    page.get_by_role("link", name="Breach cases", exact=True).click()
    page.get_by_test_id("breach-queue").get_by_role(
        "link", name="Minimum tangible net worth"
    ).click()


def test_an_amended_covenant_reads_as_the_amendment_from_the_date_chosen(
    page, live_server, breached
):
    facility, _ = breached
    _open_the_case(page, live_server)
    amend = page.get_by_test_id("amend-form")
    amend.locator("#id_requirement").fill("31500000.00")
    amend.locator("#id_effective_from").fill("2003-03-31")
    amend.locator("#id_reason").fill("Reset for the forecast")
    amend.get_by_role("button", name="Amend").click()
    expect(page.get_by_test_id("case-status")).to_contain_text("from 2003-03-31")

    page.goto(f"{live_server.url}/facilities/{facility.pk}/")
    row = page.get_by_test_id("term-covenants.tangible_net_worth")
    expect(row.locator(".badge")).to_have_text("amendment")
    expect(row.get_by_test_id("amendment")).to_contain_text("$31,500,000.00 from 2003-03-31")
    expect(row).not_to_contain_text("$32,500,000 at 3/31/03")
    expect(page.locator("#terms")).to_contain_text("effective 2003-03-31")
    # The amendment is effective from the date chosen, recorded on the business date.
    amended = page.get_by_test_id("terms-history").get_by_role("row").filter(has_text="v2")
    expect(amended.get_by_role("cell").nth(1)).to_have_text("2003-03-31")
    expect(amended.get_by_role("cell").nth(4)).to_have_text("2003-04-20")
    letter = page.get_by_test_id("term-covenants.fixed_charge_coverage")
    expect(letter.locator(".badge")).to_have_text("letter")


def test_a_worse_restatement_after_a_waiver_opens_a_new_case(page, live_server, breached, tmp_path):
    _, submit = breached
    waiver = tmp_path / "waiver.pdf"
    waiver.write_bytes(b"%PDF-1.4 signed waiver")
    _open_the_case(page, live_server)
    waive = page.get_by_test_id("waive-form")
    waive.locator("#id_reason").fill("Waived for Q1 2003")
    waive.locator("input[type=file]").set_input_files(str(waiver))
    waive.get_by_role("button", name="Waive", exact=True).click()
    expect(page.get_by_test_id("case-status")).to_contain_text("Waived")

    restated = submit("34400000.00", reason="Corrected goodwill")

    page.goto(f"{live_server.url}{reverse('statement_detail', args=[restated.pk])}")
    cases = page.get_by_test_id("breach-case")
    expect(cases).to_have_count(2)
    expect(cases.nth(0)).to_contain_text("Open")
    expect(cases.nth(0)).to_contain_text("actual 31,900,000.00")
    expect(cases.nth(1)).to_contain_text("Waived")
    assert BreachCase.objects.filter(status="open").count() == 1
