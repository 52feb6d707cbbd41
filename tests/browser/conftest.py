"""Playwright drives Debian's Chromium; it never downloads a browser of its own."""

import os
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.abl.conftest import cfo, innotrac  # noqa: F401 - the Innotrac fixtures, for journeys
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.twofactor import current_code

# Playwright's sync API keeps an event loop running in the test thread for the
# whole session; the ORM calls in tests stay synchronous and safe. Subprocesses
# that check deployment settings drop this variable (tests/test_deployment.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# Chromium reports a refused script, style, image or connection on the console:
# "Refused to execute inline script because it violates the following Content
# Security Policy directive: …"; a refused eval() also surfaces as a page error.
CSP_VIOLATION = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _fail_on_csp_violation(request):
    """Every browser test runs under the real policy and fails if the page broke it."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []

    def record(text: str) -> None:
        if CSP_VIOLATION.search(text):
            violations.append(text)

    page.on("console", lambda message: record(message.text))
    page.on("pageerror", lambda error: record(str(error)))
    yield
    if violations:
        pytest.fail("The page broke the Content Security Policy:\n" + "\n".join(violations))


def login(page, live_server, username: str, password: str) -> None:
    """Log in as a person would: the password, then the app's code when the code page asks.

    The code is what the user's authenticator app shows now (tests.twofactor.current_code);
    django-otp takes each code once, so a second login within 30 seconds needs the next one.
    """
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if urlsplit(page.url).path == reverse("two_factor_verify"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("Code").fill(current_code(device))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()
