"""On a phone (390 px wide) the navigation folds away and wide tables scroll in their own box."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from abl.services import collateral
from abl.services.processing import acceptance
from bench.generate import AS_OF
from tests.abl.conftest import AGING
from tests.browser.conftest import login
from tests.factories import PASSWORD

# The certificate writes audit rows; on SQLite the append-only trigger refuses the
# DELETE that empties the tables after a transaction=True test (PostgreSQL truncates).
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def computed(innotrac, cfo):
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    received = collateral.receive_file(
        certificate=draft,
        kind="receivables",
        upload=SimpleUploadedFile("aging.csv", AGING.encode()),
        actor=cfo,
        queue=False,
    )
    acceptance.process_collateral_file(file_id=received.pk)
    return draft


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_on_a_phone_the_pages_fit_and_the_menu_opens(page, live_server, computed, innotrac, cfo):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, cfo.username, PASSWORD)

    menu = page.get_by_role("link", name="Facilities")
    expect(menu).to_be_hidden()
    page.get_by_test_id("nav-toggle").click()
    expect(menu).to_be_visible()

    for path in (f"/certificates/{computed.pk}/", f"/facilities/{innotrac.pk}/", "/"):
        page.goto(f"{live_server.url}{path}")
        assert _page_width(page) <= 390, path
    figures = page.goto(f"{live_server.url}/certificates/{computed.pk}/")
    assert figures is not None
    assert figures.status == 200
    scroller = page.locator(".table-responsive").first
    assert scroller.evaluate("e => getComputedStyle(e).overflowX") == "auto"
