"""The covenant journey in Chromium, with a real Celery worker on Redis rendering the certificate.

The borrower submits the quarter to 2003-03-31 by the form, sees that it breaches
the tangible net worth minimum, and downloads the compliance certificate; the
analyst sees it counted on the home page, accepts it from the queue of
statements to accept, finds the case in the breach queue and resolves it by
amending the requirement.
"""

import pytest
from playwright.sync_api import expect

from abl.services.terms import load_facility_terms
from covenants.models import BreachCase, ComplianceCertificate
from tests.abl.conftest import TERMS
from tests.browser.conftest import login
from tests.covenants.conftest import HEALTHY
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def test_borrower_submits_a_quarter_and_analyst_resolves_the_breach(
    page, live_server, celery_worker_on_redis, settings, tmp_path
):
    settings.ABL_BUSINESS_DATE = "2003-04-20"
    version, _ = load_facility_terms(text=TERMS.read_text(), actor=None, reason="test")
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

    # The borrower submits the quarter: tangible net worth 32,000,000 against 32,500,000.
    login(page, live_server, cfo.username, PASSWORD)
    page.get_by_role("link", name=facility.name).first.click()
    page.get_by_test_id("financial-reporting").click()
    form = page.get_by_test_id("statement-form")
    form.locator("#id_period_end").fill("2003-03-31")
    for name, value in HEALTHY.items():
        if name != "approved_additional_capex":
            form.locator(f"#id_{name}").fill(value)
    form.locator("#id_total_equity").fill("34500000.00")
    form.locator("#id_certify").check()
    form.get_by_role("button", name="Certify and submit").click()

    # The result at once; the certificate once the worker has rendered it.
    expect(page.get_by_test_id("status-tangible_net_worth")).to_have_text("Breached")
    expect(page.get_by_test_id("status-fixed_charge_coverage")).to_have_text("Met")
    for _ in range(60):
        if page.get_by_test_id("certificate-download").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    with page.expect_download() as download:
        page.get_by_test_id("certificate-download").click()
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == bytes(ComplianceCertificate.objects.get().pdf)
    page.get_by_role("button", name="Log out").click()

    # The analyst's home counts the statement waiting for acceptance; its queue lists it.
    login(page, live_server, "analyst", PASSWORD)
    expect(page.get_by_test_id("waiting-statements")).to_have_text("Statements to accept: 1")
    page.get_by_test_id("waiting-statements").click()
    page.get_by_test_id("statement-queue").get_by_role("link", name="2003-03-31").click()
    page.get_by_role("button", name="Accept").click()
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_test_id("waiting-statements")).to_have_text("Statements to accept: 0")

    # The analyst resolves the case by resetting the 2003-03-31 requirement.
    page.get_by_role("link", name="Breach cases", exact=True).click()
    page.get_by_test_id("breach-queue").get_by_role(
        "link", name="Minimum tangible net worth"
    ).click()
    amend = page.get_by_test_id("amend-form")
    amend.locator("#id_requirement").fill("31500000.00")
    amend.locator("#id_reason").fill("Reset for the forecast, as in the letter")
    amend.get_by_role("button", name="Amend").click()

    expect(page.get_by_test_id("case-status")).to_contain_text("Amended")
    assert BreachCase.objects.get().status == "amended"

    # The covenant page draws its headroom chart from static Chart.js, under the policy.
    page.goto(f"{live_server.url}/facilities/{facility.pk}/covenants/")
    expect(page.get_by_test_id("covenant-history")).to_contain_text("2003-03-31")
    assert page.evaluate("Chart.getChart(document.getElementById('headroom-chart')) !== undefined")
