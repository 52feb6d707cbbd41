"""The dashboard's part kept in the page cache: served again only while the data it shows is
unchanged (reporting/services/page_cache.py)."""

import os
import re
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abl.services import people
from reporting.services.page_cache import data_version
from reporting.services.positions import refresh_positions
from tests.factories import UserFactory
from tests.reporting.conftest import listed_names

pytestmark = pytest.mark.django_db


def _row(page, name: str) -> str:
    """The table row of the facility named `name`."""
    body = page.content.decode()
    table = body[body.index('data-testid="portfolio-table"') :]
    (row,) = re.findall(
        rf'<tr data-testid="position-row">\s*<td><a [^>]+>{name}</a>.*?</tr>', table
    )
    return row


def _part(page) -> str:
    """The page below the menu (the menu's form carries a CSRF token masked anew each time)."""
    body = page.content.decode()
    return body[body.index('data-testid="home-heading"') :]


def test_the_same_page_again_is_served_from_the_cache_as_it_was_rendered(
    client, manager, portfolio
):
    client.force_login(manager)
    first = client.get(reverse("portfolio"))

    with CaptureQueriesContext(connection) as again:
        second = client.get(reverse("portfolio"))

    assert _part(second) == _part(first)
    # The session, the user, its organisation (the menu) and the data's version: none of the page's.
    assert len(again) == 4
    assert any("max(id)" in q["sql"] for q in again)
    assert not any("reporting_facilityposition" in q["sql"] for q in again)


def test_the_version_is_read_before_the_data_it_versions(client, manager, portfolio):
    """So a part is never kept under a version newer than its data (the module's docstring)."""
    client.force_login(manager)
    client.get(reverse("account"))  # the session and the user, warmed

    with CaptureQueriesContext(connection) as rendering:
        client.get(reverse("portfolio"))

    sql = [q["sql"] for q in rendering]
    version = next(i for i, s in enumerate(sql) if "max(id)" in s)
    reads = [i for i, s in enumerate(sql) if "reporting_facilityposition" in s]
    assert reads
    assert version < min(reads)


def test_a_refresh_shows_its_figures_at_once(client, manager, portfolio):
    client.force_login(manager)
    assert "500.00" in _row(client.get(reverse("portfolio")), "Alpha")

    # Alpha has no certificate: measured by the rules, it has no excess availability.
    refresh_positions(facility_ids=[portfolio["Alpha"].facility_id])

    assert "500.00" not in _row(client.get(reverse("portfolio")), "Alpha")


def test_an_audited_change_of_coverage_shows_at_once_before_any_refresh(
    client, manager, portfolio, admin_user
):
    client.force_login(manager)
    assert listed_names(client.get(reverse("portfolio"))) == ["Alpha", "Bravo", "Charlie"]

    # On commit a refresh would follow; in the test's transaction it does not.
    people.remove_relationship_manager(
        actor=admin_user, facility=portfolio["Alpha"].facility, user=manager
    )

    assert listed_names(client.get(reverse("portfolio"))) == ["Bravo", "Charlie"]


def test_each_user_has_their_own_part(client, bank, manager, portfolio):
    other = UserFactory(role="relationship_manager", organisation=bank)
    portfolio["Other"].facility.relationship_managers.add(other)
    client.force_login(manager)
    client.get(reverse("portfolio"))

    client.force_login(other)

    assert listed_names(client.get(reverse("portfolio"))) == ["Other"]


def test_each_query_has_its_own_part(client, manager, portfolio):
    client.force_login(manager)
    client.get(reverse("portfolio"))

    assert listed_names(client.get(reverse("portfolio") + "?frequency=weekly")) == ["Alpha"]
    assert listed_names(client.get(reverse("portfolio") + "?q=br")) == ["Bravo"]


def test_a_new_business_date_renders_afresh(client, settings, manager, portfolio):
    client.force_login(manager)
    assert "as of" not in _row(client.get(reverse("portfolio")), "Alpha")

    settings.ABL_BUSINESS_DATE = "2003-04-08"

    assert "as of 2003-04-07" in _row(client.get(reverse("portfolio")), "Alpha")


def test_with_the_cache_off_every_request_renders(client, settings, manager, portfolio):
    settings.ABL_PAGE_CACHE_SECONDS = 0
    client.force_login(manager)
    client.get(reverse("portfolio"))
    alpha = portfolio["Alpha"]
    alpha.excess_availability = 777
    alpha.save()  # around the services: with the cache on, only its timeout would show it

    assert "777.00" in _row(client.get(reverse("portfolio")), "Alpha")


def test_a_cache_that_cannot_be_reached_costs_the_saving_not_the_page(
    client, settings, manager, portfolio, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    client.force_login(manager)

    page = client.get(reverse("portfolio"))

    assert page.status_code == 200
    assert listed_names(page) == ["Alpha", "Bravo", "Charlie"]
    assert "page cache unreachable" in caplog.text


def test_the_data_version_moves_with_an_audit_event_and_a_refresh(manager, portfolio, admin_user):
    before = data_version()
    people.remove_relationship_manager(
        actor=admin_user, facility=portfolio["Alpha"].facility, user=manager
    )
    audited = data_version()
    refresh_positions(facility_ids=[portfolio["Bravo"].facility_id])

    assert audited[0] > before[0]
    assert audited[1] == before[1]
    assert data_version() == (audited[0], audited[1] + 1)


@pytest.mark.redis
def test_web_processes_share_the_part_through_redis(client, settings, manager, portfolio):
    """With REDIS_URL the cache is Redis (config/settings.py), shared by every web process."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    client.force_login(manager)
    first = client.get(reverse("portfolio"))
    redis = caches["default"]._cache.get_client()
    kept = redis.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
    del caches["default"]  # as another process would: a new connection, nothing in memory
    with CaptureQueriesContext(connection) as again:
        second = client.get(reverse("portfolio"))
    redis.delete(*kept)

    assert len(kept) == 1
    assert _part(second) == _part(first)
    assert not any("reporting_facilityposition" in q["sql"] for q in again)
