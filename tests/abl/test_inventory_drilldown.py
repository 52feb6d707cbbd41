"""Inventory drill-down: from an ineligible category to its rows, as the engine classified them."""

import copy

import pytest

from abl.calc.terms import parse_terms
from abl.models import Certificate, CollateralFile, InventoryItem
from abl.reasons import inventory_filter, inventory_reasons
from tests.abl.conftest import AGING, post_report

pytestmark = pytest.mark.django_db

# One row of each kind, and rows that fall in two categories (the first wins).
INVENTORY = """\
Item #,Description,Warehouse,Category,Program,Qty,Unit Cost,In Transit,Consigned,Obsolete
FG-1,finished,Reno NV,finished_goods,,10,5.00,N,N,N
FG-2,finished BellSouth,Reno NV,finished_goods,BELLSOUTH,10,5.00,N,N,N
WIP-1,half made,Reno NV,work_in_process,,10,5.00,N,N,N
WIP-2,half made and obsolete,Reno NV,work_in_process,,10,5.00,N,N,Y
TR-1,on a truck,Reno NV,finished_goods,,10,5.00,Y,N,N
TR-2,on a truck and consigned,Reno NV,finished_goods,,10,5.00,Y,Y,N
CO-1,at a customer,Reno NV,raw_materials,,10,5.00,N,Y,N
OB-1,obsolete,Reno NV,raw_materials,,10,5.00,N,N,Y
AT-1,in Atlanta,Atlanta GA,finished_goods,,10,5.00,N,N,N
"""


@pytest.fixture
def certificate(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    post_report(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=AGING,
        inventory=INVENTORY,
    )
    return Certificate.objects.get()


def _skus_by_engine(items, terms_data) -> dict[str, set[str]]:
    rows = inventory_reasons(items, rules=parse_terms(terms_data).inventory)
    by_reason: dict[str, set[str]] = {}
    for row in rows:
        by_reason.setdefault(row.reason, set()).add(row.item.sku)
    return by_reason


@pytest.mark.parametrize("approved_locations", [[], ["Reno NV"]])
def test_the_filter_selects_exactly_the_rows_the_engine_puts_in_each_category(
    certificate, approved_locations
):
    terms_data = copy.deepcopy(certificate.current.inputs["terms"])
    terms_data["inventory"]["approved_locations"] = approved_locations
    rules = parse_terms(terms_data).inventory
    inventory = certificate.files.get(kind=CollateralFile.Kind.INVENTORY)
    items = InventoryItem.objects.filter(file=inventory)

    expected = _skus_by_engine(list(items), terms_data)

    for reason in [*expected, "work_in_process", "in_transit", "consigned", "obsolete"]:
        selected = set(items.filter(inventory_filter(rules, reason)).values_list("sku", flat=True))
        assert selected == expected.get(reason, set()), reason
    assert expected["work_in_process"] == {"WIP-1", "WIP-2"}
    assert expected["in_transit"] == {"TR-1", "TR-2"}
    assert ("AT-1" in expected.get("location", set())) == bool(approved_locations)


def test_a_category_page_lists_only_its_rows(client, certificate):
    response = client.get(f"/certificates/{certificate.pk}/inventory/?reason=consigned")

    reasons = [r.reason for r in response.context["rows"]]
    assert response.status_code == 200
    assert sorted(r.item.sku for r in response.context["rows"]) == ["CO-1"]
    assert reasons == ["consigned"]
    assert "Consigned" in response.content.decode()


def test_the_figures_link_each_inventory_category_with_an_amount(client, certificate):
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    assert "inventory/?computation=" in page
    assert "reason=obsolete" in page
    assert "reason=location" not in page  # every location is approved: nothing to show


def test_an_unknown_category_is_404(client, certificate):
    assert client.get(f"/certificates/{certificate.pk}/inventory/?reason=bogus").status_code == 404
    assert (
        client.get(f"/certificates/{certificate.pk}/inventory/?reason=location").status_code == 404
    )


def test_category_pages_take_a_bounded_number_of_queries(
    client, certificate, django_assert_max_num_queries
):
    # Bounded whatever the rows: the page's rows, their total, the session's save.
    with django_assert_max_num_queries(11):
        assert (
            client.get(f"/certificates/{certificate.pk}/inventory/?reason=eligible").status_code
            == 200
        )


def _testid(page: str, name: str) -> str:
    return page.split(f'data-testid="{name}">')[1].split("<")[0]


@pytest.mark.parametrize("reason", ["", "work_in_process", "in_transit", "obsolete", "eligible"])
def test_every_inventory_list_totals_to_the_certificates_line(client, certificate, reason):
    from decimal import Decimal

    from abl.templatetags.abl_format import money

    figures = certificate.current.figures
    line = {
        "": figures["gross_inventory"],
        "eligible": figures["eligible_inventory"],
    }.get(reason) or figures["ineligible_inventory"][reason]

    page = client.get(f"/certificates/{certificate.pk}/inventory/?reason={reason}").content.decode()

    assert _testid(page, "total-value") == money(Decimal(line))
    assert _testid(page, "ties-to") == f"the certificate's line: {money(Decimal(line))}"
