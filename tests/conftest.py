"""Shared fixtures, and the rule for tests that need a real service.

A test marked `postgres`, `redis` or `browser` runs against the real thing.
When the service is absent the test is skipped with the reason, except under
CI=true, where an absent service fails the run.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import FacilityFactory, OrganisationFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing_service(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis and a Celery worker: set REDIS_URL=redis://…"
    if marker == "browser" and not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return "needs Debian's chromium (apt-get install chromium)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing_service(marker)
        if reason is None:
            continue
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and a required service is missing: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def celery_worker_on_redis(settings):
    """A real Celery worker (in a thread) taking tasks from Redis; the test needs the redis mark."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    # Celery reads Django's settings live (namespace CELERY): a change to
    # app.conf would be shadowed by them, so turn eager mode off there.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def bank():
    return OrganisationFactory(name="SouthTrust Bank, N.A.", kind="bank")


@pytest.fixture
def facility(bank):
    return FacilityFactory(lender=bank)


@pytest.fixture
def borrower_user(facility):
    return UserFactory(role="borrower", organisation=facility.borrower)


@pytest.fixture
def analyst(bank):
    return UserFactory(role="analyst", organisation=bank)


@pytest.fixture
def relationship_manager(bank, facility):
    user = UserFactory(role="relationship_manager", organisation=bank)
    facility.relationship_managers.add(user)
    return user


@pytest.fixture
def admin_user(bank):
    return UserFactory(role="admin", organisation=bank, is_staff=True, is_superuser=True)
