"""Pages a user must not have to work around, in Chromium (issue 23: findings 14, 18, 21, 23).

Refused upload attempts fold below the figures; a chart of one certificate draws its point;
the inventory drill-down names its categories; the lockout page gives a date and a zone;
every page starts with a skip link.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from abl.services import certificates, collateral
from abl.tasks import process_collateral_file_task
from covenants.services import statements
from tests.abl.conftest import AGING
from tests.abl.loans.conftest import AS_OF, TODAY, approve_certificate, submit_certificate
from tests.abl.test_inventory_drilldown import INVENTORY
from tests.browser.conftest import login
from tests.covenants.conftest import figures
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
# Each refused for three rows whose amounts are not amounts: a screenful of red per attempt.
BAD_AGING = (
    AGING.replace('"$600,000.00"', "lots")
    .replace('"100,000.00"', "some")
    .replace('"80,000.00"', "many")
)
ATTEMPTS = 4


def _draft_after_refused_attempts(facility, borrower):
    """A draft whose receivables were refused ATTEMPTS times before the good file was taken."""
    draft = collateral.open_draft(facility=facility, as_of=AS_OF, actor=borrower)
    for text in [BAD_AGING] * ATTEMPTS + [AGING]:
        received = collateral.receive_file(
            certificate=draft,
            kind="receivables",
            upload=SimpleUploadedFile("aging.csv", text.encode()),
            actor=borrower,
            queue=False,
        )
        process_collateral_file_task(received.pk)
    return draft


def _figures_then_history(page, url):
    page.set_viewport_size(LAPTOP)
    page.goto(url)
    figures_heading = page.get_by_role("heading", name=re.compile(r"^Figures"))
    expect(figures_heading).to_be_visible()
    box = figures_heading.bounding_box()
    assert box is not None
    assert box["y"] < LAPTOP["height"]

    history = page.get_by_test_id("refused-attempts")
    expect(history.locator("summary")).to_have_text(f"{ATTEMPTS} earlier attempts refused")
    expect(history.get_by_test_id("problems").first).to_be_hidden()
    history.locator("summary").click()
    expect(history.get_by_test_id("problems")).to_have_count(ATTEMPTS)
    expect(history.get_by_test_id("problems").first).to_contain_text("not an amount: 'lots'")


def test_refused_attempts_fold_below_the_figures_for_borrower_and_analyst(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    draft = _draft_after_refused_attempts(innotrac, cfo)
    url = f"{live_server.url}/certificates/{draft.pk}/"

    login(page, live_server, cfo.username, PASSWORD)
    _figures_then_history(page, url)
    expect(page.get_by_test_id("file-status")).to_have_text(["Accepted"])

    certificates.submit_certificate(certificate=draft, actor=cfo, name="David Gamsey", title="CFO")
    page.get_by_role("button", name="Log out").click()
    login(page, live_server, analyst.username, PASSWORD)
    _figures_then_history(page, url)
    expect(page.get_by_test_id("review-form")).to_be_visible()


def test_charts_of_one_certificate_draw_its_points_and_the_at_risk_net_worth(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = "2003-04-20"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    manager = UserFactory(username="rm", role="relationship_manager", organisation=innotrac.lender)
    innotrac.relationship_managers.add(manager)
    approve_certificate(innotrac, cfo, analyst)
    # Tangible net worth 35,000,000 against 32,500,000: met, 7.69% above, at risk.
    statements.submit_statement(
        facility=innotrac,
        kind="actual",
        period_end=AS_OF,
        financials=figures(total_equity="37500000.00"),
        user=cfo,
        officer_title="Chief Financial Officer",
        reason="",
    )

    login(page, live_server, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/portfolio/facilities/{innotrac.pk}/")
    availability = page.get_by_test_id("chart-availability")
    expect(availability.get_by_test_id("chart-point")).to_have_count(3)
    headroom = page.get_by_test_id("chart-headroom")
    net_worth = headroom.get_by_test_id("chart-point").filter(
        has_text=re.compile(r"^Minimum tangible net worth$")
    )
    expect(net_worth).to_have_count(1)
    for point in [*availability.get_by_test_id("chart-point").all(), net_worth]:
        box = point.bounding_box()
        assert box is not None
        assert box["width"] > 0
        assert box["height"] > 0
    expect(page.get_by_test_id("table-headroom")).to_contain_text("7.69%")


def test_inventory_drilldown_names_categories_not_codes(page, live_server, settings, innotrac, cfo):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    for kind, text in [("receivables", AGING), ("inventory", INVENTORY)]:
        received = collateral.receive_file(
            certificate=draft,
            kind=kind,
            upload=SimpleUploadedFile(f"{kind}.csv", text.encode()),
            actor=cfo,
            queue=False,
        )
        process_collateral_file_task(received.pk)

    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/certificates/{draft.pk}/inventory/")
    table = page.get_by_test_id("inventory-table")
    expect(table).to_contain_text("Work in process")
    expect(table).to_contain_text("Finished goods")
    expect(table).not_to_contain_text("_")


def test_lockout_gives_the_date_time_and_zone(page, live_server, settings, innotrac, cfo):
    settings.AXES_FAILURE_LIMIT = 2
    page.goto(f"{live_server.url}/login/")
    for _ in range(2):  # the second failure reaches the limit and locks the account
        page.get_by_label("Username").fill(cfo.username)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    expect(page.get_by_test_id("locked-out")).to_have_text(
        re.compile(r"try again after \d{4}-\d{2}-\d{2} \d{2}:\d{2} E[SD]T ")
    )


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(page, live_server, cfo):
    login(page, live_server, cfo.username, PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    assert box is not None
    assert box["width"] > 1
    assert box["height"] > 1
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.url.endswith("#main")


def test_recording_the_bellsouth_consent_shows_the_checklist_item_received(
    page, live_server, settings, innotrac, cfo
):
    """Issue 23, finding 14: the consent item follows the consent the application records."""
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    analyst = UserFactory(
        username="analyst",
        first_name="Avery",
        last_name="Brooks",
        role="analyst",
        organisation=innotrac.lender,
    )
    certificate = submit_certificate(innotrac, cfo)
    login(page, live_server, analyst.username, PASSWORD)
    page.set_viewport_size(LAPTOP)
    checklist = f"{live_server.url}/facilities/{innotrac.pk}/checklist/"

    # The analyst asks for BellSouth's consent, following the consent the application records.
    page.goto(checklist)
    add = page.get_by_test_id("checklist-add")
    add.get_by_label("Item the bank needs").fill("BellSouth's consent")
    add.get_by_label("Follows").select_option(
        label="A program's consent, as recorded with the terms"
    )
    add.get_by_label("Program").fill("BELLSOUTH")
    add.get_by_role("button", name="Add to the checklist").click()
    item = page.get_by_test_id("checklist-item").filter(has_text="BellSouth's consent")
    expect(item.get_by_test_id("item-status")).to_have_text("Requested")

    # Records the consent where consents are recorded: the certificate under review.
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/")
    consent = page.get_by_test_id("consent-form")
    consent.get_by_label("Program").fill("BELLSOUTH")
    consent.get_by_label("Reference (letter, date)").fill("BellSouth letter of 2003-04-02")
    consent.get_by_label("Date of the consent").fill("2003-04-02")
    consent.get_by_role("button", name="Record consent").click()
    page.wait_for_load_state()

    page.goto(checklist)
    item = page.get_by_test_id("checklist-item").filter(has_text="BellSouth's consent")
    expect(item.get_by_test_id("item-status")).to_contain_text(
        "Received, 2003-04-02 by Avery Brooks"
    )
    expect(item.get_by_test_id("item-status")).to_contain_text("BellSouth letter of 2003-04-02")
    expect(item.get_by_role("button", name="Save")).to_have_count(0)
