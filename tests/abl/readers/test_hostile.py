"""Hostile and broken files: every limit checked while reading, by row and column, and
every refusal's messages storable (no control character; PostgreSQL JSONB refuses NUL)."""

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from abl.readers import (
    CollateralFileError,
    Problem,
    ReaderLimits,
    read_inventory,
    read_payables,
    read_receivables,
)
from tests.abl.hostile_files import declare, workbook

HEADER = (
    "Customer ID,Customer Name,Invoice #,Inv Date,Due Date,Amount,Country,Affiliate,Government\n"
)
GOOD = "A,Alpha,1,2003-01-02,,10.00,US,N,N\n"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _write(tmp_path: Path, content: str | bytes, name: str = "aging.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _problems(path: Path, reader=read_receivables, **kwargs) -> list[Problem]:
    limits = kwargs.pop("limits", ReaderLimits())
    with pytest.raises(CollateralFileError) as caught:
        reader(path, limits=limits, **kwargs)
    return list(caught.value.problems)


def _refusal(path: Path, **limits) -> str:
    with pytest.raises(CollateralFileError) as caught:
        read_receivables(path, limits=ReaderLimits(**limits))
    return str(caught.value)


# Field lengths: the database columns that store them.


@pytest.mark.parametrize(
    ("reader", "header", "line", "column", "length"),
    [
        (read_receivables, HEADER, "{},Alpha,1,2003-01-02,,1.00,US,N,N", "customer_id", 100),
        (read_receivables, HEADER, "A,{},1,2003-01-02,,1.00,US,N,N", "customer_name", 255),
        (read_receivables, HEADER, "A,Alpha,{},2003-01-02,,1.00,US,N,N", "invoice_number", 100),
        (
            read_inventory,
            "sku,description,location,category,program,quantity,unit_cost\n",
            "{},D,L,fg,,1,1",
            "sku",
            100,
        ),
        (
            read_inventory,
            "sku,description,location,category,program,quantity,unit_cost\n",
            "S,{},L,fg,,1,1",
            "description",
            255,
        ),
        (
            read_inventory,
            "sku,description,location,category,program,quantity,unit_cost\n",
            "S,D,{},fg,,1,1",
            "location",
            100,
        ),
        (
            read_inventory,
            "sku,description,location,category,program,quantity,unit_cost\n",
            "S,D,L,fg,{},1,1",
            "program",
            50,
        ),
        (read_payables, "customer_id,vendor_name,amount\n", "{},V,1.00", "customer_id", 100),
        (read_payables, "customer_id,vendor_name,amount\n", "C,{},1.00", "vendor_name", 255),
    ],
)
def test_text_longer_than_its_database_column_is_refused(
    tmp_path, reader, header, line, column, length
):
    fits = _write(tmp_path, header + line.format("é" * length) + "\n", "fits.csv")
    too_long = _write(tmp_path, header + line.format("x" * 300) + "\n")

    assert reader(fits).height == 1
    assert _problems(too_long, reader) == [
        Problem(2, column, f"longer than {length} characters (300)")
    ]


# Control characters, in cells and headers.


@pytest.mark.parametrize("character", ["\x00", "\x01", "\t", "\n", "\x1b", "\x1f", "\x7f"])
def test_a_control_character_in_a_cell_is_refused_by_row_and_column(tmp_path, character):
    path = _write(tmp_path, HEADER + GOOD + f'A,"Al{character}pha",2,2003-01-02,,1.00,US,N,N\n')
    shown = {"\t": "\\t", "\n": "\\n"}.get(character, f"\\x{ord(character):02x}")

    assert _problems(path) == [
        Problem(3, "customer_name", f"has a control character: 'Al{shown}pha'")
    ]


def test_a_nul_far_past_the_start_of_the_file_is_refused_by_row_and_column(tmp_path):
    rows = "".join(f"A,Alpha,{i},2003-01-02,,1.00,US,N,N\n" for i in range(5000))
    path = _write(tmp_path, HEADER + rows + "A,Alpha,x,2003-01-02,,1.00\x00,US,N,N\n")

    assert path.stat().st_size > 65536
    assert _problems(path) == [Problem(5002, "amount", "has a control character: '1.00\\x00'")]


def test_a_row_of_only_control_characters_is_not_skipped_as_blank(tmp_path):
    path = _write(tmp_path, HEADER + GOOD + "\t,,,,,,,,\n")

    assert _problems(path) == [
        Problem(3, "amount", "is empty"),
        Problem(3, "customer_id", "has a control character: '\\t'"),
        Problem(3, "customer_name", "is empty"),
        Problem(3, "invoice_date", "is empty"),
        Problem(3, "invoice_number", "is empty"),
    ]


def test_a_control_character_in_a_header_is_refused_naming_its_column(tmp_path):
    path = _write(tmp_path, HEADER.replace("Amount", "Amount\x01") + GOOD)

    assert _problems(path) == [
        Problem(1, "amount", "the header of column 6 has a control character: 'Amount\\x01'")
    ]


def test_windows_line_endings_are_not_control_characters(tmp_path):
    path = _write(tmp_path, (HEADER + GOOD).replace("\n", "\r\n"))

    assert read_receivables(path)["customer_name"].to_list() == ["Alpha"]


def test_every_message_of_a_file_full_of_control_characters_is_storable(tmp_path):
    controls = [chr(c) for c in range(32)] + ["\x7f"]
    lines = []
    for i in range(200):
        c = controls[i % len(controls)]
        lines.append(
            f'"C{c}{i}","N{c}","{i}{c}","2003{c}-01-02","","{c}1.00","U{c}","Y{c}","{c}N"\n'
        )
    header = HEADER.replace("Amount", "Amo\x00unt").replace("Country", "Coun\x1btry")
    path = _write(tmp_path, header + "".join(lines))

    with pytest.raises(CollateralFileError) as caught:
        read_receivables(path)
    # With the header fixed, the cells' own problems.
    with pytest.raises(CollateralFileError) as cells:
        read_receivables(_write(tmp_path, HEADER + "".join(lines), "cells.csv"))

    problems = [*caught.value.problems, *cells.value.problems]
    assert len(cells.value.problems) == 50
    assert cells.value.more > 1000
    assert [p for p in problems if CONTROL.search(p.message + (p.column or ""))] == []


def test_a_quoted_cell_is_shortened(tmp_path):
    path = _write(tmp_path, HEADER + "A,Alpha,1,2003-01-02,," + "9" * 300 + "x,US,N,N\n")

    assert _problems(path) == [Problem(2, "amount", "not an amount: '" + "9" * 59 + "…'")]


def test_a_problem_never_holds_a_control_character():
    assert Problem(2, "a\x00", "b\x00\r") == Problem(2, "a\\x00", "b\\x00\\r")


# The header: each field once.


def test_a_csv_column_headed_twice_is_refused_naming_both_positions(tmp_path):
    path = _write(tmp_path, HEADER.replace("Government", "Amount") + GOOD)

    assert _problems(path) == [
        Problem(1, "amount", "the column 'Amount' appears twice (columns 6 and 9)")
    ]


def test_an_xlsx_column_headed_three_times_is_refused_naming_each_position(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    header = ["Customer ID", "Customer ID", "Customer Name", "Invoice #", "Inv Date", "Amount"]
    sheet.append([*header, "Customer ID"])
    sheet.append(["A", "B", "Alpha", "1", "2003-01-02", "1.00", "C"])
    path = tmp_path / "aging.xlsx"
    workbook.save(path)

    assert _problems(path) == [
        Problem(1, "customer_id", "the column 'Customer ID' appears 3 times (columns 1, 2 and 7)")
    ]


def test_unknown_columns_may_repeat(tmp_path):
    path = _write(
        tmp_path,
        "Notes," + HEADER.rstrip("\n") + ",Notes,,\n" + "n," + GOOD.rstrip("\n") + ",m,,\n",
    )

    assert read_receivables(path).height == 1


# Ragged rows.


def test_a_row_with_more_fields_than_the_header_is_named(tmp_path):
    path = _write(
        tmp_path,
        HEADER
        + GOOD
        + "A,Alpha,2,2003-01-02,,1.00,US,N,N,extra\n"
        + GOOD.replace(",1,", ",3,")
        + 'A,"Alpha\nInc",4,2003-01-02,,1.00,US,N,N,,\n',
    )

    assert _problems(path) == [
        Problem(3, None, "has 10 fields; the header has 9"),
        Problem(5, None, "has 11 fields; the header has 9"),
    ]


def test_ragged_rows_are_capped_and_counted(tmp_path):
    path = _write(tmp_path, HEADER + GOOD.replace("\n", ",x\n") * 30)

    with pytest.raises(CollateralFileError) as caught:
        read_receivables(path, limits=ReaderLimits(max_problems=5))

    assert [p.row for p in caught.value.problems] == [2, 3, 4, 5, 6]
    assert caught.value.more == 25


def test_a_row_with_fewer_fields_reads_as_empty_cells(tmp_path):
    path = _write(tmp_path, HEADER + GOOD + "A,Alpha,2,2003-01-02\n")

    assert _problems(path) == [Problem(3, "amount", "is empty")]


# What counts as text.


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read(tmp_path, encoding):
    bom = "\ufeff".encode(encoding)
    path = _write(tmp_path, bom + (HEADER + "A,Café,1,2003-01-02,,10.00,US,N,N\n").encode(encoding))

    assert read_receivables(path)["customer_name"].to_list() == ["Café"]


def test_ragged_rows_of_a_utf16_file_are_named(tmp_path):
    path = _write(tmp_path, (HEADER + GOOD + GOOD.replace("\n", ",x\n")).encode("utf-16"))

    assert _problems(path) == [Problem(3, None, "has 10 fields; the header has 9")]


NOT_TEXT = (
    " is not a text file, so not a CSV (text is read as UTF-8, Windows-1252, "
    "or UTF-16 with a byte order mark)."
)


def test_utf16_without_a_byte_order_mark_is_refused(tmp_path):
    path = _write(tmp_path, (HEADER + GOOD).encode("utf-16-le"))

    assert _refusal(path) == "aging.csv" + NOT_TEXT


def test_fifty_megabytes_of_random_bytes_are_refused_as_not_text(tmp_path):
    path = _write(tmp_path, random.Random(7).randbytes(50 * 1024 * 1024))

    message = _refusal(path)

    assert message == "aging.csv" + NOT_TEXT


def test_a_filename_is_quoted_without_its_control_characters(tmp_path):
    path = _write(tmp_path, b"")

    with pytest.raises(CollateralFileError) as caught:
        read_receivables(path, filename="aging\x00.csv")

    assert str(caught.value) == "aging\\x00.csv is empty."


def test_formulas_and_html_in_names_are_plain_text(tmp_path):
    formula = '=HYPERLINK("http://example.com/x","Click")'
    script = "<script>alert(1)</script>"
    path = _write(
        tmp_path,
        HEADER
        + f'A,"{formula.replace(chr(34), chr(34) * 2)}",1,2003-01-02,,1.00,US,N,N\n'
        + f"B,{script},@SUM(1),2003-01-02,,1.00,US,N,N\n",
    )

    frame = read_receivables(path)

    assert frame["customer_name"].to_list() == [formula, script]
    assert frame["invoice_number"].to_list() == ["1", "@SUM(1)"]


# As of a date.


def test_an_invoice_dated_after_the_as_of_date_is_refused(tmp_path):
    path = _write(
        tmp_path,
        HEADER
        + "A,Alpha,1,2003-03-31,,1.00,US,N,N\nA,Alpha,2,04/02/2003,,1.00,US,N,N\n"
        + "A,Alpha,3,2003-02-30,,1.00,US,N,N\n",
    )

    assert _problems(path, as_of=dt.date(2003, 3, 31)) == [
        Problem(3, "invoice_date", "dated 2003-04-02, after the as-of date 2003-03-31"),
        Problem(4, "invoice_date", "not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-02-30'"),
    ]


def test_without_an_as_of_date_any_invoice_date_is_read(tmp_path):
    path = _write(tmp_path, HEADER + "A,Alpha,1,2099-12-31,,1.00,US,N,N\n")

    assert read_receivables(path)["invoice_date"].to_list() == [dt.date(2099, 12, 31)]
    assert read_receivables(path, as_of=dt.date(2099, 12, 31)).height == 1


# Zip bombs that lie.


def _lying_zip(path: Path, size: int, declared: int) -> None:
    """A workbook whose sheet inflates to `size` bytes but declares `declared`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", random.Random(1).randbytes(1024) * (size // 1024)
        )
    path.write_bytes(declare(buffer.getvalue(), b"xl/worksheets/sheet1.xml", declared))


def test_a_zip_that_declares_less_than_it_inflates_to_is_refused(tmp_path):
    path = tmp_path / "aging.xlsx"
    _lying_zip(path, size=3 * 1024 * 1024, declared=1000)
    with zipfile.ZipFile(path) as archive:
        assert sum(e.file_size for e in archive.infolist()) < 1100

    assert _refusal(path, xlsx_max_uncompressed_bytes=1024 * 1024) == (
        "aging.xlsx unpacks to more than 1,048,576 bytes, the limit, whatever it declares "
        "(refused as a possible zip bomb)."
    )


def test_a_zip_whose_real_ratio_is_too_high_is_refused(tmp_path):
    path = tmp_path / "aging.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (2 * 1024 * 1024))
    path.write_bytes(declare(path.read_bytes(), b"xl/worksheets/sheet1.xml", 10))

    assert _refusal(path).startswith("aging.xlsx is compressed ")
    assert _refusal(path).endswith("; the limit is 100 to 1 (refused as a possible zip bomb).")


# Excel's largest sheet.


def test_a_workbook_of_excels_maximum_rows_is_refused_by_the_row_limit(tmp_path):
    path = tmp_path / "aging.xlsx"
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 1_048_577))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1">'
        + "".join(
            f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
            for col, name in zip(
                "ABCDE",
                ["Customer ID", "Customer Name", "Invoice #", "Inv Date", "Amount"],
                strict=True,
            )
        )
        + "</row>"
        + rows
        + "</sheetData></worksheet>"
    )
    path.write_bytes(workbook(sheet))

    message = _refusal(path, max_rows=1_000_000)

    assert message == "aging.xlsx has 1,048,575 data rows; the limit is 1,000,000."
