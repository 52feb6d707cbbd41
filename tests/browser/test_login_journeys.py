"""Each role logs in through a real browser and lands on its own home page.

Two-factor authentication is on, as in production: bank staff enter the code
their authenticator app shows (computed here from the device's key).
"""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.twofactor import enrolled_device, issued_activation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.ABL_TWO_FACTOR_REQUIRED = True


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
    if user.is_bank_staff:
        enrolled_device(user)

    login(page, live_server, user.username, PASSWORD)

    assert page.get_by_test_id("home-heading").inner_text() == heading
    assert page.get_by_role("link", name=facility.name).is_visible()
    assert user.get_role_display() in page.get_by_test_id("who").inner_text()


def test_wrong_password_stays_on_login_with_message(page, live_server, analyst):
    login(page, live_server, analyst.username, "not-the-password")

    assert page.url.endswith("/login/")
    assert "Please enter a correct username and password" in page.content()


def test_logout_returns_to_login(page, live_server, analyst):
    enrolled_device(analyst)
    login(page, live_server, analyst.username, PASSWORD)

    page.get_by_role("button", name="Log out").click()

    assert page.url.endswith("/login/")


def test_analyst_enters_the_code_from_the_app_and_reaches_the_review_queue(
    page, live_server, analyst
):
    device = enrolled_device(analyst)
    page.goto(f"{live_server.url}/reviews/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Enter your code").is_visible()

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("Code").fill(f"{code:06d}")
    page.get_by_role("button", name="Verify").click()

    assert page.get_by_role("heading", name="Certificates waiting for review").is_visible()
    assert page.url == f"{live_server.url}/reviews/"


def test_wrong_code_stays_on_the_code_page_with_a_message(page, live_server, analyst):
    enrolled_device(analyst)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()

    assert page.get_by_role("alert").inner_text().startswith("That code is not right")
    assert "/account/verify/" in page.url


# Enrolment writes an audit row; on SQLite the append-only trigger refuses the DELETE
# that empties the tables after a transaction=True test (PostgreSQL truncates them).
@pytest.mark.postgres
def test_analyst_without_an_app_enrols_from_the_qr_page_and_gets_backup_codes(
    page, live_server, analyst
):
    activation = issued_activation(analyst)  # given to them by an administrator
    login(page, live_server, analyst.username, PASSWORD)
    assert page.get_by_role("heading", name="Set up two-factor authentication").is_visible()
    assert page.get_by_test_id("two-factor-qr").locator("svg").is_visible()

    assert page.get_by_test_id("two-factor-activation-note").is_visible()
    assert page.locator("#id_activation").get_attribute("required") is not None

    secret = page.get_by_test_id("two-factor-secret").inner_text()
    page.locator("#id_activation").fill(activation)
    page.locator("#id_code").fill(f"{totp(b32decode(secret)):06d}")
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    assert page.get_by_test_id("backup-codes").locator("li").count() == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    assert page.get_by_test_id("home-heading").inner_text() == "Analyst desk"
    assert TOTPDevice.objects.get(user=analyst).confirmed
