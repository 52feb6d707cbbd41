"""Playwright drives Debian's Chromium; it never downloads a browser of its own."""

import os

import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS

# Playwright's sync API keeps an event loop running in the test thread for the
# whole session; the ORM calls in tests stay synchronous and safe. Subprocesses
# that check deployment settings drop this variable (tests/test_deployment.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
