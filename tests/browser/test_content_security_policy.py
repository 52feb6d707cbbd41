"""Pages work under the Content Security Policy: what used to be inline now runs from static/js.

tests/browser/conftest.py fails each of these on any violation Chromium reports.
"""

import pytest
from playwright.sync_api import expect

from abl.models import Certificate
from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# The draft writes audit rows; on SQLite the append-only trigger refuses the DELETE
# that empties the tables after a transaction=True test (PostgreSQL truncates them).
@pytest.mark.postgres
def test_discard_asks_first_and_keeps_the_draft_when_cancelled(
    page, live_server, borrower_user, pending_certificate
):
    login(page, live_server, borrower_user.username, PASSWORD)
    page.goto(f"{live_server.url}/certificates/{pending_certificate.pk}/")
    # htmx read its <meta name="htmx-config">: no eval, no injected style element.
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles]") == [
        False,
        False,
    ]
    # htmx polls the files panel while the file waits; let it poll at least twice.
    for _ in range(2):
        page.wait_for_event("response", lambda r: "/files/" in r.url and r.status == 200)
    page.get_by_test_id("discard").get_by_label("Why discard this draft").fill("Wrong as-of date")
    questions: list[str] = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Discard draft").click()

    expect(page.get_by_test_id("discard")).to_be_visible()
    assert questions == [
        "Discard this draft and every file of it? The as-of date becomes free for a new report."
    ]
    pending_certificate.refresh_from_db()
    assert pending_certificate.status == Certificate.Status.DRAFT

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Discard draft").click()

    expect(page.get_by_role("alert")).to_contain_text("was discarded")
    pending_certificate.refresh_from_db()
    assert pending_certificate.status == Certificate.Status.DISCARDED


def test_admin_login_page_works_under_the_policy(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")

    expect(page.get_by_role("button", name="Log in")).to_be_visible()


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_pages_link_a_favicon_so_none_is_missing(page, live_server, path):
    missing: list[str] = []
    page.on("response", lambda r: r.status == 404 and missing.append(r.url))

    with page.expect_response(lambda r: "favicon" in r.url) as favicon:
        page.goto(f"{live_server.url}{path}")

    assert favicon.value.status == 200
    assert favicon.value.url.endswith("/static/favicon.svg")
    assert missing == []
