"""Drill-downs: from a category to its customers, from a customer to its invoices."""

import pytest

from abl.models import Certificate
from tests.abl.conftest import AGING, post_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables=AGING)
    return Certificate.objects.get()


def _big_aging(customers: int, per_customer: int) -> str:
    lines = [AGING.splitlines()[0]]
    for c in range(customers):
        for i in range(per_customer):
            lines.append(f"C{c:04d},Customer {c},INV-{c}-{i},2003-03-01,,100.00,US,N,N")
    return "\n".join(lines) + "\n"


def test_category_lists_its_customers(client, certificate):
    page = client.get(
        f"/certificates/{certificate.pk}/receivables/?category=past_due"
    ).content.decode()

    assert "Acme Retail" in page
    assert "BellSouth" not in page


def test_customer_page_gives_each_invoice_its_reason(client, certificate):
    page = client.get(f"/certificates/{certificate.pk}/customers/ACME/").content.decode()

    assert "past due: 120 days from invoice date, over the 90-day limit" in page
    assert page.count('data-testid="invoice-reason">eligible<') == 1
    assert 'data-testid="customer-eligible">100,000.00<' in page


def test_affiliate_invoice_reason_names_the_whole_balance(client, certificate):
    page = client.get(f"/certificates/{certificate.pk}/customers/AFFCO/").content.decode()

    assert "affiliate: the whole balance is ineligible" in page


def test_unknown_customer_or_category_is_404(client, certificate):
    assert client.get(f"/certificates/{certificate.pk}/customers/NOPE/").status_code == 404
    assert (
        client.get(f"/certificates/{certificate.pk}/receivables/?category=bogus").status_code == 404
    )


@pytest.mark.parametrize("per_customer", [1, 120])
def test_drilldown_queries_do_not_grow_with_invoices(
    client,
    innotrac,
    cfo,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
    per_customer,
):
    client.force_login(cfo)
    post_report(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=_big_aging(60, per_customer),
    )
    certificate = Certificate.objects.get()

    with django_assert_max_num_queries(12):
        assert client.get(f"/certificates/{certificate.pk}/receivables/").status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            client.get(f"/certificates/{certificate.pk}/customers/C0001/?page=2").status_code == 200
        )
    with django_assert_max_num_queries(16):
        assert client.get(f"/certificates/{certificate.pk}/").status_code == 200
