"""Fee statements, financial statements and covenant results over the API (§16 d): read only,
the objects the commands print and the PDFs the pages give."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from abl.calc.fees import Month
from abl.services import fees
from covenants.services import statements
from tests.abl.api.conftest import api_client
from tests.covenants.conftest import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(approved, innotrac, abl_analyst):
    """March 2003's fees posted (the business date is 2003-04-07, so March has ended)."""
    fees.set_base_rate(
        actor=abl_analyst, effective_date=dt.date(2003, 1, 1), rate=Decimal("0.0425")
    )
    fees.post_fees(month=Month(2003, 3), facility_ids=[innotrac.pk])
    return Month(2003, 3)


def test_fee_statement_is_the_object_the_command_prints(posted, innotrac, cfo):
    out = StringIO()
    call_command(
        "fee_statement", "--facility", str(innotrac.pk), "--month", "2003-03", "--json", stdout=out
    )

    response = api_client(cfo).get(f"/api/v1/facilities/{innotrac.pk}/fees/?month=2003-03")

    assert response.json() == json.loads(out.getvalue())


def test_fee_statement_of_a_month_that_is_none_names_the_parameter(innotrac, cfo):
    response = api_client(cfo).get(f"/api/v1/facilities/{innotrac.pk}/fees/?month=2003-13")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "month", "message": "month: not a month: 2003-13"}
    ]


def test_fee_statement_pdf_is_stored_once_and_listed(posted, innotrac, abl_analyst):
    client = api_client(abl_analyst)

    pdf = client.get(f"/api/v1/facilities/{innotrac.pk}/fees/statement.pdf?month=2003-03")
    again = client.get(f"/api/v1/facilities/{innotrac.pk}/fees/statement.pdf?month=2003-03")
    (listed,) = client.get(f"/api/v1/facilities/{innotrac.pk}/fee-statements/").json()["results"]
    stored = client.get(f"/api/v1/fee-statements/{listed['id']}/statement.pdf")

    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert again.content == pdf.content == stored.content
    assert listed["month"] == "2003-03"


def test_another_borrowers_fee_statements_answer_404(posted, innotrac, other_cfo):
    client = api_client(other_cfo)
    document = fees.render_statement_document(facility=innotrac, month=posted)

    for url in (
        f"/api/v1/facilities/{innotrac.pk}/fees/",
        f"/api/v1/facilities/{innotrac.pk}/fees/statement.pdf",
        f"/api/v1/facilities/{innotrac.pk}/fee-statements/",
        f"/api/v1/fee-statements/{document.pk}/statement.pdf",
        f"/api/v1/facilities/{innotrac.pk}/financial-statements/",
    ):
        assert client.get(url).status_code == 404, url


def test_financial_statements_with_their_covenant_results(
    innotrac, cfo, rm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        version = statements.submit_statement(
            facility=innotrac,
            kind="actual",
            period_end=dt.date(2003, 3, 31),
            financials=figures(),
            user=cfo,
            officer_title="Chief Financial Officer",
            reason="",
        )
    version.refresh_from_db()

    (listed,) = (
        api_client(rm)
        .get(f"/api/v1/facilities/{innotrac.pk}/financial-statements/")
        .json()["results"]
    )

    assert listed["id"] == version.pk
    assert (listed["kind"], listed["period_end"], listed["current"]) == (
        "actual",
        "2003-03-31",
        True,
    )
    assert listed["latest_test"]["failed"] is False
    assert listed["latest_test"]["results"] == version.latest_test.results
