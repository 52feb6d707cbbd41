"""The drill-down over the API (§16 c): category → customer → invoice, by cursor, as the pages."""

import pytest

from tests.abl.api.conftest import api_client

pytestmark = pytest.mark.django_db


def test_customers_largest_first_and_paged_by_cursor(approved, abl_analyst):
    client = api_client(abl_analyst)

    first = client.get(f"/api/v1/certificates/{approved.pk}/customers/?page_size=3").json()
    rest = client.get(first["next"]).json()

    listed = [c["customer_id"] for c in first["results"] + rest["results"]]
    assert listed == ["BELLSOUTH", "ACME", "AFFCO", "MAPLE", "CREDITCO"]
    assert first["results"][0]["gross"] == "1000000.00"


def test_a_categorys_customers(approved, cfo):
    response = api_client(cfo).get(
        f"/api/v1/certificates/{approved.pk}/customers/?category=affiliate"
    )

    (affco,) = response.json()["results"]
    assert affco["customer_id"] == "AFFCO"
    assert affco["ineligible"]["affiliate"] == "80000.00"


def test_a_category_that_is_none_answers_404(approved, cfo):
    response = api_client(cfo).get(f"/api/v1/certificates/{approved.pk}/customers/?category=x")

    assert response.status_code == 404


def test_a_customers_invoices_with_their_reasons(approved, cfo):
    response = api_client(cfo).get(f"/api/v1/certificates/{approved.pk}/invoices/?customer=ACME")

    rows = response.json()["results"]
    assert [(r["invoice_number"], r["amount"], r["days"]) for r in rows] == [
        ("AC-1", "100000.00", 30),
        ("AC-2", "50000.00", 120),
    ]
    assert all(r["reason"] for r in rows)


def test_invoices_page_by_cursor(approved, cfo):
    client = api_client(cfo)
    url = f"/api/v1/certificates/{approved.pk}/invoices/?customer=BELLSOUTH&page_size=1"

    first = client.get(url).json()
    second = client.get(first["next"]).json()

    assert [r["invoice_number"] for r in first["results"] + second["results"]] == ["BS-1", "BS-2"]
    assert second["next"] is None


@pytest.mark.parametrize("page", ["customers/", "invoices/?customer=ACME"])
def test_another_borrowers_drilldown_answers_404(approved, other_cfo, page):
    response = api_client(other_cfo).get(f"/api/v1/certificates/{approved.pk}/{page}")

    assert response.status_code == 404
    assert "ACME" not in response.content.decode()


def test_unknown_customer_or_computation_answers_404(approved, cfo):
    client = api_client(cfo)

    assert (
        client.get(f"/api/v1/certificates/{approved.pk}/invoices/?customer=NOBODY").status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/certificates/{approved.pk}/customers/?computation=99999").status_code
        == 404
    )
