"""Blank collateral files for the borrower: the headers and one example row."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from abl.access import get_facility_for_user, signed_in_user

TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "receivables": (
        [
            "customer_id",
            "customer_name",
            "invoice_number",
            "invoice_date",
            "due_date",
            "amount",
            "country",
            "affiliate",
            "government",
        ],
        [
            "BELLSOUTH",
            "BellSouth Telecommunications",
            "INV-100234",
            "2003-03-05",
            "2003-04-04",
            "12345.67",
            "US",
            "no",
            "no",
        ],
    ),
    "inventory": (
        [
            "sku",
            "description",
            "location",
            "category",
            "program",
            "quantity",
            "unit_cost",
            "in_transit",
            "consigned",
            "obsolete",
        ],
        [
            "BS-PHONE-220",
            "Cordless phone, BellSouth program",
            "Duluth GA",
            "finished_goods",
            "BELLSOUTH",
            "1200",
            "18.5000",
            "no",
            "no",
            "no",
        ],
    ),
    "payables": (
        ["customer_id", "vendor_name", "amount"],
        ["ACME", "Acme Supply Co.", "2500.00"],
    ),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def collateral_template(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    get_facility_for_user(signed_in_user(request), pk)
    if kind not in TEMPLATES or fmt not in {"csv", "xlsx"}:
        raise Http404("No such template")
    headers, example = TEMPLATES[kind]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([headers, example])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_xlsx(headers, example), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
    return response


def _xlsx(headers: list[str], example: list[str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "data"
    sheet.append(headers)
    sheet.append(example)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
