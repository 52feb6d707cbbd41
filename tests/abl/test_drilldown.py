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


def test_a_computation_of_another_certificate_answers_404(
    client, certificate, innotrac, cfo, django_capture_on_commit_callbacks
):
    february = AGING.splitlines()[0] + "\nXCO,X Co,X-1,2003-01-15,,500.00,US,N,N\n"
    other = post_report(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=february,
        as_of="2003-02-28",
    )
    assert other.status_code == 302
    other_computation = Certificate.objects.get(as_of="2003-02-28").current

    for url in ("receivables/", "customers/ACME/", "inventory/"):
        response = client.get(
            f"/certificates/{certificate.pk}/{url}?computation={other_computation.pk}"
        )
        assert response.status_code == 404, url
    own = client.get(
        f"/certificates/{certificate.pk}/receivables/?computation={certificate.current.pk}"
    )
    assert own.status_code == 200


@pytest.mark.parametrize("value", ["abc", "-1", str(2**63)])
def test_a_computation_that_is_no_number_answers_404(client, certificate, value):
    response = client.get(f"/certificates/{certificate.pk}/receivables/?computation={value}")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("invoice_date", "reason"),
    [
        ("2003-01-01", "eligible"),  # exactly 89 days
        ("2002-12-31", "eligible"),  # exactly 90 days: not more than the limit
        ("2002-12-30", "past due: 91 days from invoice date, over the 90-day limit"),
    ],
)
def test_the_drilldown_reason_agrees_with_the_engine_at_the_age_limit(
    client, innotrac, cfo, django_capture_on_commit_callbacks, invoice_date, reason
):
    client.force_login(cfo)
    header = AGING.splitlines()[0]
    # A current invoice three times larger keeps the customer from being cross-aged.
    aging = (
        f"{header}\nEDGE,Edge Co,E-1,{invoice_date},,1000.00,US,N,N\n"
        "EDGE,Edge Co,E-2,2003-03-01,,3000.00,US,N,N\n"
    )
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables=aging)
    certificate = Certificate.objects.get()
    engine_past_due = certificate.current.figures["ineligible_receivables"]["past_due"]

    page = client.get(f"/certificates/{certificate.pk}/customers/EDGE/").content.decode()

    first_reason = page.split('data-testid="invoice-reason">')[1].split("<")[0]
    assert first_reason == reason
    assert engine_past_due == ("0.00" if reason == "eligible" else "1000.00")


@pytest.mark.parametrize(
    "category", ["", "affiliate", "foreign", "past_due", "concentration", "government"]
)
def test_every_customer_list_totals_to_the_certificates_line(client, certificate, category):
    from decimal import Decimal

    from abl.templatetags.abl_format import money

    figures = certificate.current.figures
    line = figures["ineligible_receivables"][category] if category else figures["gross_receivables"]

    page = client.get(
        f"/certificates/{certificate.pk}/receivables/?category={category}"
    ).content.decode()

    total = page.split(
        'data-testid="total-category">' if category else 'data-testid="total-gross">'
    )[1].split("<")[0]
    assert total == money(Decimal(line))
    assert money(Decimal(line)) in page.split('data-testid="ties-to">')[1].split("</td>")[0]


def test_a_customers_invoices_are_paged_without_counting_them_again(client, certificate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/certificates/{certificate.pk}/customers/ACME/").content.decode()

    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "abl_invoice" in q["sql"]]
    assert counts == []
    assert "past due: 120 days from invoice date" in page


def test_every_page_of_a_customer_lists_its_invoices_in_row_order(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    import re

    from abl.models import Invoice

    header = AGING.splitlines()[0]
    # Ids in an order where case and accents matter, with 120 invoices for one of them.
    lines = [header]
    for n in range(120):
        lines.append(f"beta,Beta Co,B-{n:03d},2003-03-01,,10.00,US,N,N")
    for customer in ("Zeta", "_under", "éclair", "ACME", "alpha"):
        for n in range(3):
            lines.append(f"{customer},{customer} Co,{customer}-{n},2003-03-01,,10.00,US,N,N")
    client.force_login(cfo)
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables="\n".join(lines))
    certificate = Certificate.objects.get()

    for customer, pages in (("beta", 3), ("éclair", 1), ("Zeta", 1), ("alpha", 1)):
        expected = list(
            Invoice.objects.filter(file__certificate=certificate, customer_id=customer)
            .order_by("row")
            .values_list("invoice_number", flat=True)
        )
        shown = []
        for number in range(1, pages + 1):
            page = client.get(
                f"/certificates/{certificate.pk}/customers/{customer}/?page={number}"
            ).content.decode()
            shown += re.findall(r"<tr><td>\d+</td><td>([^<]*)</td>", page)
        assert shown == expected, customer


@pytest.mark.parametrize(
    ("category", "invoice_date"), [("", "2003-03-01"), ("cross_aged", "2002-11-01")]
)
def test_a_customer_list_pages_largest_first_and_is_counted_with_its_totals(
    client, innotrac, cfo, django_capture_on_commit_callbacks, category, invoice_date
):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from abl.models import CustomerLine

    # 60 customers, every amount twice: a tie falls back to the customer's id.
    lines = [AGING.splitlines()[0]] + [
        f"C{c:02d},Customer {c},I-{c},{invoice_date},,{100 + c // 2}.00,US,N,N" for c in range(60)
    ]
    client.force_login(cfo)
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables="\n".join(lines))
    certificate = Certificate.objects.get()
    key = f"{category}_ineligible" if category else "gross"
    expected = list(
        CustomerLine.objects.filter(computation=certificate.current, **{f"{key}__gt": 0})
        .order_by(f"-{key}", "customer_id")
        .values_list("customer_id", flat=True)
    )

    shown, pages = [], []
    for number in (1, 2):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(
                f"/certificates/{certificate.pk}/receivables/?category={category}&page={number}"
            ).content.decode()
        shown += re.findall(r'<span class="text-muted small">(C\d\d)</span>', page)
        pages.append(re.search(r"Page \d of \d", page)[0])
        counted = [q["sql"] for q in captured if "COUNT(" in q["sql"]]
        assert len(counted) == 1
        assert "SUM(" in counted[0]

    assert len(expected) == 60
    assert expected[:4] == ["C58", "C59", "C56", "C57"]
    assert shown == expected
    assert pages == ["Page 1 of 2", "Page 2 of 2"]
