"""The relationship manager's journey in Chromium: the dashboard, the weekly filter, Innotrac's
charts, and the latest certificate's PDF.

Innotrac with the small aging's certificate approved (line cap 546,125.00) and an advance that
leaves 10% excess availability (weekly reporting), beside a monthly facility of the same
portfolio; business date 2003-04-07. Tasks run in-process, so every audited action refreshes
the dashboard's line on commit, as a worker would.
"""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from abl.models import LedgerEntry
from abl.services import loans
from tests.abl.loans.conftest import TODAY, approve_certificate
from tests.browser.conftest import login
from tests.factories import PASSWORD, FacilityFactory, UserFactory
from tests.reporting.conftest import outstanding_for

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_manager_filters_weekly_opens_innotrac_sees_charts_downloads_the_pdf(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    manager = UserFactory(username="rm", role="relationship_manager", organisation=innotrac.lender)
    innotrac.relationship_managers.add(manager)
    monthly = FacilityFactory(lender=innotrac.lender, name="Acme Distribution revolver")
    monthly.relationship_managers.add(manager)
    from reporting.services.positions import refresh_positions

    refresh_positions(facility_ids=[monthly.pk])
    certificate = approve_certificate(innotrac, cfo, analyst)
    request = loans.request_advance(
        facility=innotrac, actor=cfo, amount=outstanding_for("0.10"), key="to-weekly"
    )
    loans.approve_advance(advance=request, actor=analyst)

    # The manager logs in and lands on the dashboard: both facilities.
    login(page, live_server, manager.username, PASSWORD)
    expect(page.get_by_test_id("home-heading")).to_have_text("Portfolio")
    rows = page.get_by_test_id("portfolio-table").get_by_test_id("position-row")
    expect(rows).to_have_count(2)

    # Filters to weekly-reporting facilities: Innotrac alone.
    page.get_by_label("Reporting").select_option("weekly")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(innotrac.name)
    expect(rows.first).to_contain_text("491,512.50")
    expect(rows.first).to_contain_text("Weekly")

    # Opens Innotrac: its charts, each with its table.
    rows.first.get_by_role("link", name=innotrac.name).click()
    expect(page.get_by_test_id("facility-charts-heading")).to_have_text(innotrac.name)
    for slug in ("availability", "ineligibles", "headroom"):
        expect(page.get_by_test_id(f"panel-{slug}")).to_be_visible()
    expect(page.get_by_test_id("chart-availability").locator("polyline")).to_have_count(3)
    expect(page.get_by_test_id("table-availability")).to_contain_text("2003-03-31")

    # Downloads the latest certificate's PDF, which holds its figures.
    with page.expect_download() as download:
        page.get_by_test_id("latest-certificate-pdf").click()
    with open(download.value.path(), "rb") as pdf:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert innotrac.name in text
    assert "546,125.00" in text
    assert certificate.as_of.isoformat() in text or "March 31, 2003" in text


def test_fees_valued_into_march_keep_the_chart_and_the_ledger_true_to_their_dates(
    page, live_server, settings, innotrac, cfo
):
    """§7 (issue 23, finding 9): the ledger's running totals follow value dates, and the
    chart's March point is the certificate as approved, whatever was valued into March later."""
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    innotrac.relationship_managers.add(analyst)
    approve_certificate(innotrac, cfo, analyst)  # as of 2003-03-31, nothing owed: 546,125.00
    request = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("100000.00"), key="april"
    )
    loans.approve_advance(advance=request, actor=analyst)  # valued 2003-04-07: entry 1
    for source, amount, valued in (
        ("fees:setup", "1125.00", dt.date(2003, 2, 28)),  # entry 2
        ("fees:monitoring:2003-03", "1555.00", dt.date(2003, 3, 31)),  # entry 3
    ):
        loans.charge_loan(
            facility=innotrac,
            actor=None,
            kind=LedgerEntry.Kind.FEE,
            amount=Decimal(amount),
            value_date=valued,
            description=source,
            source=source,
        )

    login(page, live_server, analyst.username, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/ledger/")
    rows = page.get_by_test_id("ledger-entries").locator("tbody tr")
    expect(rows).to_have_count(3)
    # Latest value date first; each running total was the balance owed on its value date.
    expect(rows.nth(0)).to_contain_text("2003-04-07")
    expect(rows.nth(0).locator("td").nth(5)).to_have_text("102,680.00")
    expect(rows.nth(1)).to_contain_text("2003-03-31")
    expect(rows.nth(1).locator("td").nth(5)).to_have_text("2,680.00")
    expect(rows.nth(2)).to_contain_text("2003-02-28")
    expect(rows.nth(2).locator("td").nth(5)).to_have_text("1,125.00")

    page.goto(f"{live_server.url}/portfolio/facilities/{innotrac.pk}/")
    march = (
        page.get_by_test_id("table-availability").get_by_role("row").filter(has_text="2003-03-31")
    )
    expect(march).to_have_text(re.compile(r"546,125\.00\s*0\.00\s*546,125\.00"))
