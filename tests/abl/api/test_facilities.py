"""Facilities over the API (§16 a): what each role sees, the §10 status object, terms."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.abl.api.conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["cfo", "abl_analyst", "rm", "administrator"])
def test_each_role_sees_the_facility(request, innotrac, other_facility, role):
    client = api_client(request.getfixturevalue(role))

    listed = client.get("/api/v1/facilities/").json()
    detail = client.get(f"/api/v1/facilities/{innotrac.pk}/").json()

    ids = [facility["id"] for facility in listed["results"]]
    everyone = role in {"abl_analyst", "administrator"}
    assert sorted(ids) == sorted([innotrac.pk, other_facility.pk] if everyone else [innotrac.pk])
    assert detail == {
        "id": innotrac.pk,
        "slug": innotrac.slug,
        "name": innotrac.name,
        "borrower": innotrac.borrower.name,
        "lender": innotrac.lender.name,
    }


@pytest.mark.parametrize("page", ["", "status/", "terms/", "advances/", "ledger/", "repayments/"])
def test_another_borrowers_facility_answers_404_and_shows_nothing(innotrac, other_cfo, page):
    response = api_client(other_cfo).get(f"/api/v1/facilities/{innotrac.pk}/{page}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert innotrac.name not in response.content.decode()


def test_status_is_the_object_facility_status_prints(approved, innotrac, cfo):
    out = StringIO()
    call_command("facility_status", "--facility", str(innotrac.pk), "--json", stdout=out)

    response = api_client(cfo).get(f"/api/v1/facilities/{innotrac.pk}/status/")

    assert response.json() == json.loads(out.getvalue())
    assert response.json()["excess_availability"] == "546125.00"


def test_status_on_a_date(approved, innotrac, cfo):
    response = api_client(cfo).get(f"/api/v1/facilities/{innotrac.pk}/status/?on=2003-04-01")

    assert response.json()["on"] == "2003-04-01"


def test_status_on_a_date_that_is_none_names_the_parameter(innotrac, cfo):
    response = api_client(cfo).get(f"/api/v1/facilities/{innotrac.pk}/status/?on=2003-13-45")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "on",
            "message": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        }
    ]


def test_terms_versions_are_listed(innotrac, abl_analyst):
    response = api_client(abl_analyst).get(f"/api/v1/facilities/{innotrac.pk}/terms/")

    versions = response.json()["results"]
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["data"]["facility"]["id"] == innotrac.slug


def test_list_is_paged_by_cursor(innotrac, abl_analyst):
    from tests.factories import FacilityFactory

    for _ in range(3):
        FacilityFactory(lender=innotrac.lender)
    client = api_client(abl_analyst)

    first = client.get("/api/v1/facilities/?page_size=2").json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 2
    assert {f["id"] for f in first["results"]}.isdisjoint({f["id"] for f in second["results"]})
    assert "cursor=" in first["next"]
