"""The dashboard is rendered on every request (reporting/views.py): what it shows is the data
as it is now, whatever changed it."""

import re

import pytest
from django.urls import reverse

from abl.models import Facility
from abl.services import people
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


def test_a_facility_renamed_around_the_services_shows_at_once(client, manager, portfolio):
    """Renamed in a database shell: no audit event, no refresh."""
    client.force_login(manager)
    assert listed_names(client.get(reverse("portfolio"))) == ["Alpha", "Bravo", "Charlie"]

    Facility.objects.filter(pk=portfolio["Alpha"].facility_id).update(name="Delta")

    assert listed_names(client.get(reverse("portfolio"))) == ["Bravo", "Charlie", "Delta"]


def test_a_line_changed_around_the_services_shows_at_once(client, manager, portfolio):
    client.force_login(manager)
    client.get(reverse("portfolio"))
    alpha = portfolio["Alpha"]
    alpha.excess_availability = 777
    alpha.save()

    assert "777.00" in _row(client.get(reverse("portfolio")), "Alpha")


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


def test_each_user_sees_their_own_portfolio(client, bank, manager, portfolio):
    other = UserFactory(role="relationship_manager", organisation=bank)
    portfolio["Other"].facility.relationship_managers.add(other)
    client.force_login(manager)
    client.get(reverse("portfolio"))

    client.force_login(other)

    assert listed_names(client.get(reverse("portfolio"))) == ["Other"]


def test_each_query_lists_its_own_facilities(client, manager, portfolio):
    client.force_login(manager)
    client.get(reverse("portfolio"))

    assert listed_names(client.get(reverse("portfolio") + "?frequency=weekly")) == ["Alpha"]
    assert listed_names(client.get(reverse("portfolio") + "?q=br")) == ["Bravo"]


def test_a_new_business_date_shows_at_once(client, settings, manager, portfolio):
    client.force_login(manager)
    assert "as of" not in _row(client.get(reverse("portfolio")), "Alpha")

    settings.ABL_BUSINESS_DATE = "2003-04-08"

    assert "as of 2003-04-07" in _row(client.get(reverse("portfolio")), "Alpha")
