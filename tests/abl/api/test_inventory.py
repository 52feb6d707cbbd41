"""The inventory drill-down over the API (§16 c): rows by category, by cursor, as the page."""

import pytest
from django.test import Client

from abl.models import Certificate
from tests.abl.api.conftest import api_client
from tests.abl.conftest import AGING, post_report
from tests.abl.test_inventory_drilldown import INVENTORY

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(innotrac, cfo, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(cfo)
    post_report(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=AGING,
        inventory=INVENTORY,
    )
    return Certificate.objects.get()


def test_every_row_by_cursor_with_its_category(certificate, cfo):
    client = api_client(cfo)

    first = client.get(f"/api/v1/certificates/{certificate.pk}/inventory/?page_size=5").json()
    rest = client.get(first["next"]).json()

    rows = first["results"] + rest["results"]
    assert [r["sku"] for r in rows] == [
        "FG-1", "FG-2", "WIP-1", "WIP-2", "TR-1", "TR-2", "CO-1", "OB-1", "AT-1"
    ]  # fmt: skip
    assert rows[0]["value"] == "50.00"
    assert all(r["reason"] for r in rows)


def test_one_categorys_rows(certificate, cfo):
    response = api_client(cfo).get(
        f"/api/v1/certificates/{certificate.pk}/inventory/?reason=in_transit"
    )

    assert [r["sku"] for r in response.json()["results"]] == ["TR-1", "TR-2"]


def test_a_category_that_is_none_answers_404(certificate, cfo):
    response = api_client(cfo).get(f"/api/v1/certificates/{certificate.pk}/inventory/?reason=x")

    assert response.status_code == 404


def test_another_borrowers_inventory_answers_404(certificate, other_cfo):
    response = api_client(other_cfo).get(f"/api/v1/certificates/{certificate.pk}/inventory/")

    assert response.status_code == 404
    assert "FG-1" not in response.content.decode()
