"""The certificate's spreadsheet in Chromium at laptop width, with a real Celery worker on
Redis: the borrower asks for it on the certificate page, sees it being written, downloads
it, and its Summary sheet shows the page's figures."""

import io

import openpyxl
import pytest
from django.core.files import File
from playwright.sync_api import expect

from abl.models import Certificate, CollateralFile
from abl.services import collateral
from tests.abl.conftest import AGING
from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.processes import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
LAPTOP = {"width": 1366, "height": 768}


def _draft(innotrac, cfo) -> Certificate:
    import datetime as dt

    draft = collateral.open_draft(facility=innotrac, as_of=dt.date(2003, 3, 31), actor=cfo)
    collateral.receive_file(
        certificate=draft,
        kind=CollateralFile.Kind.RECEIVABLES,
        upload=File(io.BytesIO(AGING.encode()), name="aging.csv"),
        actor=cfo,
    )
    wait_for(
        lambda: Certificate.objects.get(pk=draft.pk).current_id, "the worker to compute the draft"
    )
    return draft


def test_borrower_downloads_the_certificates_spreadsheet_from_its_page(
    page, live_server, celery_worker_on_redis, innotrac, cfo, settings
):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    draft = _draft(innotrac, cfo)
    page.set_viewport_size(LAPTOP)
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/certificates/{draft.pk}/")
    borrowing_base = page.get_by_test_id("borrowing_base").inner_text()

    page.get_by_test_id("prepare-xlsx").click()
    expect(page.get_by_test_id("export-panel")).to_be_visible()
    link = page.get_by_test_id("export-xlsx")
    expect(link).to_be_visible(timeout=60_000)  # the panel polls until the worker is done
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value

    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    assert workbook.sheetnames == ["Summary", "Invoices", "Customers", "Inventory"]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
    assert f"{summary['Borrowing base']:,.2f}" == borrowing_base
    assert summary["0-30"] + summary["31-60"] + summary["91-120"] == summary["Gross receivables"]
