"""Bad input in Chromium: the page says what is wrong beside the field, and nothing is stored
(issue 22: an amount written as `1E5`, finding 14; a statement period of 9999-12-31, finding 8),
and every problem of a refused file listed at once (issue 23, finding 19)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from abl.models import AdvanceRequest, Invoice, LedgerEntry
from abl.services import loans
from covenants.models import FinancialStatement
from tests.abl.loans.conftest import TODAY
from tests.browser.conftest import login
from tests.covenants.conftest import HEALTHY
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_amount_with_an_exponent_is_refused_and_grouped_thousands_are_taken(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/loan/")

    page.get_by_label("Amount").fill("1E5")
    page.get_by_role("button", name="Request the advance").click()

    expect(page.get_by_text("not an amount: '1E5'")).to_be_visible()
    assert AdvanceRequest.objects.count() == 0

    page.get_by_label("Amount").fill("1,000.00")
    page.get_by_role("button", name="Request the advance").click()

    advance = AdvanceRequest.objects.get()
    expect(
        page.get_by_test_id(f"advance-{advance.pk}").get_by_test_id("advance-state")
    ).to_have_text("Requested")
    assert str(advance.amount) == "1000.00"


def test_a_statement_for_9999_12_31_is_refused_beside_its_period_end(
    page, live_server, settings, innotrac, cfo
):
    settings.ABL_BUSINESS_DATE = "2003-04-20"
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/financials/")
    form = page.get_by_test_id("statement-form")
    form.locator("#id_kind").select_option("projection")
    form.locator("#id_period_end").fill("9999-12-31")
    for name, value in HEALTHY.items():
        if name != "approved_additional_capex":
            form.locator(f"#id_{name}").fill(value)
    form.locator("#id_officer_title").fill("CFO")
    form.locator("#id_certify").check()
    form.get_by_role("button", name="Certify and submit").click()

    expect(
        page.get_by_text("9999-12-31 is after 2999-12-31, the last date ABL Desk handles")
    ).to_be_visible()
    assert FinancialStatement.objects.count() == 0


AGING_HEADER = (
    "Customer ID,Customer Name,Invoice #,Inv Date,Due Date,Amount,Country,Affiliate,Government\n"
)


@pytest.mark.redis
def test_every_problem_of_a_collateral_file_is_listed_at_once(
    page, live_server, settings, innotrac, cfo, celery_worker_on_redis, tmp_path
):
    # A cell that is no amount, an invoice that repeats and a customer's name that differs:
    # one upload names all three, so the borrower corrects the file once.
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    aging = tmp_path / "aging.csv"
    aging.write_text(
        AGING_HEADER + "A,Alpha,1,2003-01-02,,10.00,US,N,N\n"
        "A,Alpha,1,2003-01-03,,11.00,US,N,N\n"
        "A,Alfa,2,2003-01-04,,x,US,N,N\n"
    )
    login(page, live_server, cfo.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/report/")
    page.locator("#id_as_of").fill("2003-03-31")
    page.locator("#id_receivables").set_input_files(aging)
    page.get_by_role("button", name="Upload and check").click()

    problems = page.get_by_test_id("problems")
    expect(problems.locator("li")).to_have_text(
        [
            "Row 3, column “invoice_number”: the same customer and invoice number repeats row 2",
            "Row 4, column “amount”: not an amount: 'x'",
            "Row 4, column “customer_name”: 'Alfa' differs from 'Alpha' on row 2 for the same "
            "customer",
        ],
        timeout=30_000,
    )
    assert not Invoice.objects.exists()


def test_every_problem_of_a_repayment_file_is_listed_at_once(
    page, live_server, settings, innotrac, tmp_path
):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    loans.record_opening_balance(
        facility=innotrac, actor=analyst, amount=Decimal("10000.00"), value_date=TODAY
    )
    receipts = tmp_path / "receipts.csv"
    receipts.write_text("Date,Amount\n2003-04-31,100.00\n2003-04-07,20000.00\n")
    login(page, live_server, analyst.username, PASSWORD)
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/ledger/")
    page.locator("#id_file").set_input_files(receipts)
    page.get_by_role("button", name="Import").click()

    refused = page.get_by_test_id("import-refused")
    expect(refused).to_contain_text(
        "row 2, column 'value_date': not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-04-31'"
    )
    expect(refused).to_contain_text(
        "row 3, column 'amount': 20,000.00 would take the balance below zero"
    )
    assert LedgerEntry.objects.count() == 1
