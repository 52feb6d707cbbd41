"""An event of default ends in Chromium (issue 23, finding 5): one analyst proposes a waiver
with its signed document on the facility page, a second confirms it, advances resume that day.

Innotrac with the small aging's certificate approved, on the business date 2003-04-07, in
default since that day (a covenant breach).
"""

import pytest
from playwright.sync_api import expect

from abl.services import loans
from tests.abl.loans.conftest import TODAY, approve_certificate
from tests.browser.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_analysts_waive_a_default_and_advances_resume(
    page, live_server, settings, innotrac, cfo, tmp_path
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    page.set_viewport_size({"width": 1366, "height": 900})
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    UserFactory(username="analyst2", role="analyst", organisation=innotrac.lender)
    approve_certificate(innotrac, cfo, analyst)
    event = loans.declare_event_of_default(
        facility=innotrac, on=TODAY, reason="Breach of the tangible net worth", user=analyst
    )
    waiver = tmp_path / "waiver.pdf"
    waiver.write_bytes(b"%PDF-1.4 signed by the credit committee")

    # The first analyst proposes a waiver: refused without its document, then with it.
    login(page, live_server, "analyst", PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/")
    expect(page.get_by_test_id("in-default")).to_contain_text("In default since 2003-04-07")
    form = page.get_by_test_id("default-end-form")
    form.get_by_role("radio", name="Waiver").check()
    form.get_by_label("Reason").fill("Waived by the credit committee")
    form.get_by_role("button", name="Propose").click()
    expect(page.get_by_test_id("default-end-form")).to_contain_text(
        "Attach the signed waiver document."
    )
    form = page.get_by_test_id("default-end-form")
    form.get_by_role("radio", name="Waiver").check()
    form.get_by_label("Reason").fill("Waived by the credit committee")
    form.get_by_label("Signed waiver").set_input_files(str(waiver))
    form.get_by_role("button", name="Propose").click()
    row = page.get_by_test_id(f"default-event-{event.pk}")
    expect(row).to_contain_text("Waiver: Waived by the credit committee")
    expect(row).to_contain_text("waiver.pdf")
    expect(row.get_by_test_id("default-ended")).to_contain_text(
        "awaits a second analyst's confirmation"
    )
    expect(page.get_by_test_id("in-default")).to_be_visible()

    # The second analyst confirms: the default ends today and the alert goes.
    page.context.clear_cookies()
    login(page, live_server, "analyst2", PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/")
    page.get_by_test_id("confirm-default-end").click()
    row = page.get_by_test_id(f"default-event-{event.pk}")
    expect(row.get_by_test_id("default-ended")).to_have_text("2003-04-07: advances resume")
    expect(row).to_contain_text("proposed by analyst on 2003-04-07, confirmed by analyst2")
    expect(page.get_by_test_id("in-default")).to_have_count(0)
    assert loans.default_standing(innotrac, on=TODAY) is None
