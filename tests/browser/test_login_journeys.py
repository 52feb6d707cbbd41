"""Each role logs in through a real browser and lands on its own home page."""

import pytest

from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("fixture", "heading"),
    [
        ("borrower_user", "Your facilities"),
        ("analyst", "Analyst desk"),
        ("relationship_manager", "Portfolio"),
        ("admin_user", "Administration"),
    ],
)
def test_role_logs_in_and_sees_home(page, live_server, request, facility, fixture, heading):
    user = request.getfixturevalue(fixture)

    login(page, live_server, user.username, PASSWORD)

    assert page.get_by_test_id("home-heading").inner_text() == heading
    assert page.get_by_role("link", name=facility.name).is_visible()
    assert user.get_role_display() in page.get_by_test_id("who").inner_text()


def test_wrong_password_stays_on_login_with_message(page, live_server, analyst):
    login(page, live_server, analyst.username, "not-the-password")

    assert page.url.endswith("/login/")
    assert "Please enter a correct username and password" in page.content()


def test_logout_returns_to_login(page, live_server, analyst):
    login(page, live_server, analyst.username, PASSWORD)

    page.get_by_role("button", name="Log out").click()

    assert page.url.endswith("/login/")
