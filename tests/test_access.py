"""Who sees which facility: the one access helper every view uses."""

import pytest
from django.http import Http404

from abl.access import facilities_for, get_facility_for_user
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_borrower_user_sees_only_own_borrowers_facilities(borrower_user, facility):
    other = FacilityFactory(lender=facility.lender)

    assert list(facilities_for(borrower_user)) == [facility]
    with pytest.raises(Http404):
        get_facility_for_user(borrower_user, other.pk)


def test_relationship_manager_sees_only_portfolio(relationship_manager, facility):
    FacilityFactory(lender=facility.lender)

    assert list(facilities_for(relationship_manager)) == [facility]


def test_analyst_and_admin_see_every_facility(analyst, admin_user, facility):
    other = FacilityFactory(lender=facility.lender)

    assert set(facilities_for(analyst)) == {facility, other}
    assert set(facilities_for(admin_user)) == {facility, other}


def test_inactive_user_sees_nothing(facility):
    user = UserFactory(role="analyst", is_active=False)

    assert list(facilities_for(user)) == []


def test_other_borrowers_facility_page_answers_404(client, borrower_user, facility):
    other = FacilityFactory(lender=facility.lender)
    client.force_login(borrower_user)

    assert client.get(f"/facilities/{facility.pk}/").status_code == 200
    assert client.get(f"/facilities/{other.pk}/").status_code == 404


def test_audit_trail_page_hidden_from_borrower(client, borrower_user, analyst):
    client.force_login(borrower_user)
    assert client.get("/audit/").status_code == 404

    client.force_login(analyst)
    assert client.get("/audit/").status_code == 200
