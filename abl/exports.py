"""A computation's full detail as XLSX or CSV: every invoice with its reason and aging
bucket, every customer line, every inventory row with its reason. The XLSX opens on a
Summary sheet: the certificate's lines as its page shows them (abl/views/lines.py),
the receivables' aging buckets (abl/calc/aging.py) and the roll-forward.

Rows are read from the database in key order, a chunk at a time (a server-side
cursor on PostgreSQL), and written as they come: a CSV streams to the response
as it is written; an XLSX is written by XlsxWriter in constant-memory mode (a
row goes to disk as soon as the next starts) into an anonymous temporary file,
which the response then streams. Memory does not grow with the rows.

Formula injection: a spreadsheet opens a cell beginning with `=`, `+`, `-`,
`@`, a tab or a carriage return as a formula. Every text value is written as
text: in an XLSX as a string cell (never evaluated), in a CSV with an
apostrophe before such a first character, which spreadsheets show and do not
evaluate. Amounts, counts and dates are numbers and dates, never text.
"""

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.db.models import Sum

from abl.calc.aging import BUCKETS, Aging, age_receivables, aging_bucket
from abl.calc.money import from_cents, pct_display
from abl.calc.receivables import CATEGORIES
from abl.calc.report import label
from abl.models import (
    Certificate,
    CollateralFile,
    Computation,
    CustomerLine,
    InventoryItem,
    Invoice,
)
from abl.reasons import age_limit, inventory_reasons, invoice_reason_text, whole_balance
from abl.services.reconciliation import roll_forwards
from abl.services.terms import computation_terms
from abl.views.lines import AGING_COLUMNS, ROLL_FORWARD_COLUMNS, SECTION, Line
from abl.views.presenters import figure_lines

CHUNK = 10_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT, MONEY, NUMBER, DATE, PERCENT = "text", "money", "number", "date", "percent"
Value = str | Decimal | int | dt.date | None


@dataclass(frozen=True)
class Column:
    title: str
    kind: str  # TEXT, MONEY, NUMBER or DATE


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's name, and the CSV's
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[tuple[Value, ...]]]  # read when written, once


@dataclass(frozen=True)
class Summary:
    """The Summary sheet: who and when, the certificate's lines, the aging, the roll-forward."""

    facts: tuple[tuple[str, Value], ...]
    lines: list[Line]
    aging: Aging
    roll_forward: tuple[tuple[str, Decimal, Decimal, Decimal], ...]


Progress = Callable[[int], None]  # told the rows written so far, now and then


def safe_text(value: str) -> str:
    """A text value for a CSV cell that no spreadsheet evaluates.

    >>> safe_text('=HYPERLINK("http://evil")')
    '\\'=HYPERLINK("http://evil")'
    >>> safe_text("-5 Widgets"), safe_text("Acme")
    ("'-5 Widgets", 'Acme')
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def tables(certificate: Certificate, computation: Computation) -> list[Table]:
    """The invoices, customers and inventory rows of `computation`, in that order."""
    files = _accepted(certificate)
    return [
        _invoices(computation, files.get(CollateralFile.Kind.RECEIVABLES), certificate.as_of),
        _customers(computation),
        _inventory(computation, files.get(CollateralFile.Kind.INVENTORY)),
    ]


def summary(certificate: Certificate, computation: Computation) -> Summary:
    """What the Summary sheet shows for `computation` of `certificate`."""
    receivables = _accepted(certificate).get(CollateralFile.Kind.RECEIVABLES)
    facility = certificate.facility
    return Summary(
        facts=(
            ("Facility", f"{facility.name} ({facility.slug})"),
            ("As of", certificate.as_of),
            ("Certificate", f"{certificate.pk}, {certificate.get_status_display().lower()}"),
            ("Computation", f"{computation.pk}, terms v{computation.terms_version.version}"),
        ),
        lines=figure_lines(computation)["lines"],
        aging=receivables_aging(receivables, certificate.as_of),
        roll_forward=tuple(
            (name.capitalize(), rf.expected, rf.reported_total, rf.difference)
            for name, rf in roll_forwards(certificate, computation.figures).items()
        ),
    )


def receivables_aging(file: CollateralFile | None, as_of: dt.date) -> Aging:
    """The file's invoices by §12 aging bucket as of `as_of`: summed by invoice date in the
    database, each date's days put in its bucket by the one rule (`abl.calc.aging`)."""
    if file is None:
        return age_receivables([])
    by_date = (
        Invoice.objects.filter(file=file)
        .values_list("invoice_date")
        .annotate(cents=Sum("amount_cents"))
        .order_by("invoice_date")
    )
    return age_receivables(((as_of - dated).days, cents) for dated, cents in by_date)


def row_count(certificate: Certificate, computation: Computation) -> int:
    """How many rows the three sheets hold: what an export's progress counts towards."""
    files = _accepted(certificate)
    kinds = (CollateralFile.Kind.RECEIVABLES, CollateralFile.Kind.INVENTORY)  # no payables sheet
    rows = sum(files[kind].row_count for kind in kinds if kind in files)
    return rows + computation.customers.count()


def _accepted(certificate: Certificate) -> dict[str, CollateralFile]:
    return {f.kind: f for f in certificate.files.filter(status=CollateralFile.Status.ACCEPTED)}


def _invoices(computation: Computation, file: CollateralFile | None, as_of: dt.date) -> Table:
    columns = (
        Column("Customer ID", TEXT),
        Column("Customer name", TEXT),
        Column("Invoice", TEXT),
        Column("Invoice date", DATE),
        Column("Due date", DATE),
        Column("Amount", MONEY),
        Column("Days", NUMBER),
        Column("Aging bucket", TEXT),
        Column("Reason", TEXT),
    )

    def rows() -> Iterator[tuple[Value, ...]]:
        if file is None:
            return
        lines = {line.customer_id: line for line in computation.customers.all()}
        whole = {customer: whole_balance(line) for customer, line in lines.items()}
        limit = age_limit(computation)
        invoices = (
            Invoice.objects.filter(file=file)
            .order_by("seq")
            .values_list(
                "customer_id", "invoice_number", "invoice_date", "due_date", "amount_cents"
            )
        )
        for customer, number, dated, due, cents in invoices.iterator(chunk_size=CHUNK):
            line = lines[customer]
            amount, days = from_cents(cents), (as_of - dated).days
            reason = invoice_reason_text(
                amount=amount, days=days, line=line, whole=whole[customer], age_limit=limit
            )
            bucket = aging_bucket(days)
            yield customer, line.customer_name, number, dated, due, amount, days, bucket, reason

    return Table("Invoices", columns, rows)


def _customers(computation: Computation) -> Table:
    categories = [f"{c}_ineligible" for c in CATEGORIES]
    columns = (
        Column("Customer ID", TEXT),
        Column("Customer name", TEXT),
        Column("Country", TEXT),
        Column("Invoices", NUMBER),
        Column("Gross", MONEY),
        *(Column(f"{label(c)} ineligible", MONEY) for c in CATEGORIES),
        Column("Eligible", MONEY),
    )

    def rows() -> Iterator[tuple[Value, ...]]:
        lines = CustomerLine.objects.filter(computation=computation).order_by("customer_id")
        for line in lines.iterator(chunk_size=CHUNK):
            yield (
                line.customer_id,
                line.customer_name,
                line.country,
                line.invoice_count,
                line.gross,
                *(getattr(line, c) for c in categories),
                line.eligible,
            )

    return Table("Customers", columns, rows)


def _inventory(computation: Computation, file: CollateralFile | None) -> Table:
    columns = (
        Column("Row", NUMBER),
        Column("SKU", TEXT),
        Column("Description", TEXT),
        Column("Location", TEXT),
        Column("Category", TEXT),
        Column("Program", TEXT),
        Column("Quantity", NUMBER),
        Column("Unit cost", NUMBER),
        Column("Value", MONEY),
        Column("Reason", TEXT),
        Column("Advance rate", NUMBER),
    )

    def rows() -> Iterator[tuple[Value, ...]]:
        if file is None:
            return
        rules = computation_terms(computation).inventory
        items = InventoryItem.objects.filter(file=file).order_by("row").iterator(chunk_size=CHUNK)
        for chunk in _chunks(items):
            for row in inventory_reasons(chunk, rules=rules):
                i = row.item
                yield (
                    i.row,
                    i.sku,
                    i.description,
                    i.location,
                    i.category,
                    i.program,
                    i.quantity,
                    i.unit_cost,
                    i.value,
                    row.reason,
                    row.rate,
                )

    return Table("Inventory", columns, rows)


def _chunks(items: Iterable[InventoryItem]) -> Iterator[list[InventoryItem]]:
    chunk: list[InventoryItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_xlsx(
    all_tables: list[Table],
    summary: Summary | None = None,
    progress: Progress | None = None,
    created: dt.datetime | None = None,
) -> IO[bytes]:
    """The summary and the tables as sheets of one workbook, in a temporary file (deleted when
    closed), at 0. `progress` is told the rows written every CHUNK rows. `created` is the
    workbook's creation time (the computation's), so writing it again gives the same bytes."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller closes it
    workbook = xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats = {
        MONEY: workbook.add_format({"num_format": "#,##0.00"}),
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        PERCENT: workbook.add_format({"num_format": "0.00%"}),
        NUMBER: None,
        TEXT: None,
    }
    if created is not None:
        workbook.set_properties({"created": created.astimezone(dt.UTC).replace(tzinfo=None)})
    bold = workbook.add_format({"bold": True})
    if summary is not None:
        _write_summary(workbook.add_worksheet("Summary"), summary, formats, bold)
    written = 0
    for table in all_tables:
        sheet = workbook.add_worksheet(table.name)
        for c, column in enumerate(table.columns):
            sheet.write_string(0, c, column.title, bold)
        writers = [
            _cell_writer(sheet, column.kind, formats[column.kind]) for column in table.columns
        ]
        for r, row in enumerate(table.rows(), start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                writers[c](r, c, value)
            written += 1
            if progress is not None and written % CHUNK == 0:
                progress(written)
    workbook.close()
    handle.seek(0)
    return handle


def _write_summary(sheet: Any, summary: Summary, formats: dict[str, Any], bold: Any) -> None:
    """Facts, then the certificate's lines (label, figure, note), the aging, the roll-forward:
    figures as numbers with a number format, never text."""
    sheet.set_column(0, 0, 52)
    sheet.set_column(1, 3, 18)
    sheet.write_string(0, 0, "Borrowing base certificate", bold)
    row = 1
    for name, value in summary.facts:
        sheet.write_string(row, 0, name)
        if isinstance(value, dt.date):
            sheet.write_datetime(row, 1, value, formats[DATE])
        else:
            sheet.write_string(row, 1, str(value))
        row += 1
    row += 1
    for line in summary.lines:
        if line.kind == SECTION:
            sheet.write_string(row, 0, line.label, bold)
        else:
            label = ("    " if line.indent else "") + line.label
            sheet.write_string(row, 0, label, bold if line.strong else None)
            _write_figure(sheet, row, line, formats)
            if line.note:
                sheet.write_string(row, 2, line.note)
        row += 1
    row += 1
    sheet.write_string(row, 0, f"Aging of gross receivables ({AGING_COLUMNS[0]})", bold)
    sheet.write_string(row, 1, AGING_COLUMNS[1], bold)
    for bucket in BUCKETS:
        row += 1
        sheet.write_string(row, 0, bucket)
        sheet.write_number(row, 1, summary.aging.amounts[bucket], formats[MONEY])
    row += 1
    sheet.write_string(row, 0, "Gross receivables", bold)
    sheet.write_number(row, 1, summary.aging.total, formats[MONEY])
    if summary.roll_forward:
        row += 2
        sheet.write_string(row, 0, "Roll-forward", bold)
        for c, title in enumerate(ROLL_FORWARD_COLUMNS, start=1):
            sheet.write_string(row, c, title, bold)
        for name, *amounts in summary.roll_forward:
            row += 1
            sheet.write_string(row, 0, name)
            for c, amount in enumerate(amounts, start=1):
                sheet.write_number(row, c, amount, formats[MONEY])


def _write_figure(sheet: Any, row: int, line: Line, formats: dict[str, Any]) -> None:
    if line.value is None:
        return
    if line.kind == PERCENT:
        # As the page shows it: rounded to two places of a percent, then formatted.
        sheet.write_number(row, 1, pct_display(Decimal(line.value)), formats[PERCENT])
    elif line.kind == TEXT:
        sheet.write_string(row, 1, str(line.value))
    else:
        sheet.write_number(row, 1, line.value, formats[MONEY])


def _cell_writer(sheet: Any, kind: str, fmt: Any) -> Callable[[int, int, Any], None]:
    if kind == TEXT:
        return lambda r, c, v: sheet.write_string(r, c, str(v))
    if kind == DATE:
        return lambda r, c, v: sheet.write_datetime(r, c, v, fmt)
    # Numbers: an XLSX keeps them as decimal text; two-decimal amounts come back exactly.
    return lambda r, c, v: sheet.write_number(r, c, v, fmt)


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as CSV (UTF-8 with a byte-order mark, for Excel), a few hundred rows at a time."""
    buffer = _Lines()
    writer = csv.writer(buffer)
    writer.writerow([column.title for column in table.columns])
    kinds = [column.kind for column in table.columns]
    yield "\ufeff".encode() + buffer.take()
    for n, row in enumerate(table.rows(), start=1):
        writer.writerow([_csv_value(kind, value) for kind, value in zip(kinds, row, strict=True)])
        if n % 500 == 0:
            yield buffer.take()
    yield buffer.take()


def _csv_value(kind: str, value: Value) -> str:
    if value is None:
        return ""
    if kind == TEXT:
        return safe_text(str(value))
    if kind == DATE:
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)


class _Lines:
    """A file csv.writer writes to, emptied as the response takes what was written."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode()
        self.parts.clear()
        return data
