"""The analyst's audit trail in Chromium: filters by facility, kind of action and business
dates, searches, and exports what is shown as CSV.

Innotrac's certificate submitted and approved and an advance requested on business date
2003-04-07, beside another facility's event on 2003-04-08.
"""

import csv
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from abl.audit import record
from abl.services import loans
from tests.abl.loans.conftest import TODAY, approve_certificate
from tests.browser.conftest import login
from tests.factories import PASSWORD, FacilityFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_analyst_filters_searches_and_exports_the_trail(page, live_server, settings, innotrac, cfo):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    approve_certificate(innotrac, cfo, analyst)
    loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("1000.00"), key="a")
    other = FacilityFactory(lender=innotrac.lender, name="Acme Distribution revolver")
    settings.ABL_BUSINESS_DATE = "2003-04-08"
    record(
        actor=analyst,
        action="certificate.returned",
        obj=other,
        facility=other,
        summary="Acme's certificate returned",
    )

    login(page, live_server, analyst.username, PASSWORD)
    page.get_by_role("link", name="Audit trail").click()
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_contain_text("Acme's certificate returned")

    # Innotrac's certificate actions: submitted and approved, on the business date.
    page.get_by_label("Facility").select_option(label=innotrac.name)
    page.get_by_label("Action").select_option("certificate.*")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("audit-table")).to_contain_text("certificate.approved")
    shown = [a.inner_text() for a in page.get_by_test_id("audit-table").locator("tbody code").all()]
    assert {"certificate.approved", "certificate.submitted"} <= set(shown)
    assert all(action.startswith("certificate.") for action in shown)
    days = page.get_by_test_id("audit-table").locator("tbody tr td:first-child").all_inner_texts()
    assert set(days) == {"2003-04-07"}

    # The export holds what is shown, with both dates and the hash.
    with page.expect_download() as download:
        page.get_by_test_id("audit-export").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        lines = list(csv.DictReader(exported))
    assert [line["action"] for line in lines] == shown
    assert {line["business date"] for line in lines} == {"2003-04-07"}
    assert all(len(line["hash"]) == 64 and line["system time (UTC)"] for line in lines)
    assert {"analyst", cfo.username} <= {line["user"] for line in lines}

    # A search and a range of business dates, from a clear form.
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Search").fill("acme")
    page.get_by_label("From (business date)").fill("2003-04-08")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme's certificate returned")
    page.get_by_label("To (business date)").fill("2003-04-07")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("audit-table")).to_contain_text("No event matches.")
    expect(page.get_by_test_id("audit-count")).to_have_text("0 events")
