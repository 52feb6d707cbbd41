"""§2 collateral files: messy but valid exports accepted; every bad file refused by row and column."""

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from abl.readers import (
    CollateralFileError,
    ReaderLimits,
    read_inventory,
    read_payables,
    read_receivables,
)

HEADER = (
    "Customer ID,Customer Name,Invoice #,Inv Date,Due Date,Amount,Country,Affiliate,Government\n"
)


def _csv(tmp_path: Path, body: str, name: str = "aging.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body)
    return path


def _refusal(path: Path, reader=read_receivables, **limits) -> CollateralFileError:
    with pytest.raises(CollateralFileError) as caught:
        reader(path, limits=ReaderLimits(**limits))
    return caught.value


def test_us_export_with_dollars_commas_parentheses_and_us_dates(tmp_path):
    path = _csv(
        tmp_path,
        'ACME,Acme,1,03/05/2003,4/4/2003,"$1,234.50",us,Y,no\n'
        'ACME,Acme,2,2003-03-06,,"(1,234.50)",US,yes,N\n'
        'BETA,Beta,1,2003-03-07,,"$(5.00)",,,\n',
    )

    frame = read_receivables(path)

    assert frame["amount_cents"].to_list() == [123450, -123450, -500]
    assert [d.isoformat() for d in frame["invoice_date"]] == [
        "2003-03-05",
        "2003-03-06",
        "2003-03-07",
    ]
    assert frame["country"].to_list() == ["US", "US", "US"]
    assert frame["affiliate"].to_list() == [True, True, False]
    assert frame["row"].to_list() == [2, 3, 4]


def test_header_aliases_any_case_and_a_bom(tmp_path):
    path = tmp_path / "aging.csv"
    path.write_bytes(
        "\ufeffCUST #,customer,Invoice No.,INVOICE DATE,Open Amount\nA,Alpha,9,2003-01-02,10\n".encode()
    )

    frame = read_receivables(path)

    assert frame.select("customer_id", "customer_name", "invoice_number", "amount_cents").row(
        0
    ) == ("A", "Alpha", "9", 1000)


def test_windows_1252_export_is_read(tmp_path):
    path = tmp_path / "aging.csv"
    path.write_bytes((HEADER + "A,Caf\xe9 Bleu,1,2003-01-02,,10.00,US,N,N\n").encode("cp1252"))

    assert read_receivables(path)["customer_name"].to_list() == ["Café Bleu"]


def test_blank_lines_do_not_shift_row_numbers(tmp_path):
    path = _csv(
        tmp_path, "A,Alpha,1,2003-01-02,,10.00,US,N,N\n,,,,,,,,\nA,Alpha,2,2003-01-02,,bad,US,N,N\n"
    )

    problem = _refusal(path).problems[0]

    assert (problem.row, problem.column, problem.message) == (4, "amount", "not an amount: 'bad'")


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (
            "A,Alpha,1,31/01/2003,,1.00,US,N,N",
            "invoice_date",
            "not a date (YYYY-MM-DD or MM/DD/YYYY): '31/01/2003'",
        ),
        ("A,Alpha,1,2003-01-02,,1.005,US,N,N", "amount", "more than 2 decimal places: '1.005'"),
        ('A,Alpha,1,2003-01-02,,"1,23",US,N,N', "amount", "not an amount: '1,23'"),
        ("A,,1,2003-01-02,,1.00,US,N,N", "customer_name", "is empty"),
        ('A,"   ",1,2003-01-02,,1.00,US,N,N', "customer_name", "is empty"),
        ("A,Alpha,1,2003-01-02,,   ,US,N,N", "amount", "is empty"),
        ("A,Alpha,1,2003-01-02,,(5.00,US,N,N", "amount", "not an amount: '(5.00'"),
        (
            "A,Alpha,1,2003-01-02,,1.00,USA,N,N",
            "country",
            "not an ISO 3166 two-letter country code: 'USA'",
        ),
        ("A,Alpha,1,2003-01-02,,1.00,US,maybe,N", "affiliate", "not yes or no: 'maybe'"),
    ],
)
def test_bad_cell_is_named_by_row_and_column(tmp_path, line, column, message):
    problem = _refusal(_csv(tmp_path, line + "\n")).problems[0]

    assert (problem.row, problem.column, problem.message) == (2, column, message)


def test_missing_required_column_is_named(tmp_path):
    path = _csv(
        tmp_path, "A,Alpha,2003-01-02,1.00\n", header="Customer ID,Customer Name,Inv Date,Amount\n"
    )

    problem = _refusal(path).problems[0]

    assert (problem.row, problem.column) == (1, "invoice_number")
    assert problem.message.startswith("required column is missing")


def test_duplicate_invoice_names_the_earlier_row(tmp_path):
    path = _csv(
        tmp_path,
        "A,Alpha,1,2003-01-02,,1.00,US,N,N\nB,Beta,1,2003-01-02,,1.00,US,N,N\n"
        "A,Alpha,1,2003-01-03,,2.00,US,N,N\n",
    )

    problem = _refusal(path).problems[0]

    assert (problem.row, problem.column) == (4, "invoice_number")
    assert "repeats row 2" in problem.message


def test_customer_attributes_must_agree(tmp_path):
    path = _csv(tmp_path, "A,Alpha,1,2003-01-02,,1.00,US,N,N\nA,Alpha,2,2003-01-02,,1.00,CA,N,N\n")

    problem = _refusal(path).problems[0]

    assert (problem.row, problem.column) == (3, "country")
    assert problem.message == "'CA' differs from 'US' on row 2 for the same customer"


@pytest.mark.parametrize(
    ("second", "column"),
    [
        ("A,Alpha Inc,2,2003-01-02,,1.00,US,N,N", "customer_name"),
        ("A,Alpha,2,2003-01-02,,1.00,US,Y,N", "affiliate"),
        ("A,Alpha,2,2003-01-02,,1.00,US,N,Y", "government"),
    ],
)
def test_every_customer_attribute_is_checked(tmp_path, second, column):
    path = _csv(
        tmp_path, f"B,Beta,9,2003-01-02,,1.00,US,N,N\nA,Alpha,1,2003-01-02,,1.00,US,N,N\n{second}\n"
    )

    problems = _refusal(path).problems

    assert [(p.row, p.column) for p in problems] == [(4, column)]


def test_problems_are_capped_and_the_rest_counted(tmp_path):
    path = _csv(tmp_path, "".join(f"A,Alpha,{i},2003-01-02,,x,US,N,N\n" for i in range(30)))

    error = _refusal(path, max_problems=5)

    assert len(error.problems) == 5
    assert error.more == 25
    assert str(error).startswith("The first 5 of 30 problems:\n")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("aging.csv", b"", "aging.csv is empty."),
        ("aging.csv", HEADER.encode(), "aging.csv has no data rows."),
        (
            "aging.xlsx",
            HEADER.encode(),
            "aging.xlsx is not an Excel workbook (its content is not .xlsx).",
        ),
        (
            "aging.csv",
            b"%PDF-1.4\n%\xe2\xe3",
            "aging.csv is a PDF document, not a CSV or Excel workbook.",
        ),
        ("aging.pdf", b"%PDF-1.4", "aging.pdf: upload a .csv or .xlsx file, not .pdf."),
        (
            "aging.csv",
            b"PK\x03\x04rest",
            "aging.csv is a zip or Excel workbook, not a CSV file as its name says.",
        ),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    assert str(_refusal(path)) == message


def test_too_large_and_too_many_rows(tmp_path):
    path = _csv(tmp_path, "A,Alpha,1,2003-01-02,,1.00,US,N,N\nA,Alpha,2,2003-01-02,,1.00,US,N,N\n")

    assert "the limit is 10" in str(_refusal(path, max_bytes=10))
    assert str(_refusal(path, max_rows=1)) == "aging.csv has 2 data rows; the limit is 1."


def test_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "aging.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))

    assert "possible zip bomb" in str(_refusal(path))
    assert "would unpack" in str(
        _refusal(path, xlsx_max_uncompressed_bytes=1024, xlsx_max_ratio=10**9)
    )


def test_xlsx_numbers_and_dates_come_back_exact(tmp_path):
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer ID", "Customer Name", "Invoice #", "Inv Date", "Amount"])
    sheet.append(["A", "Alpha", 1001, dt.datetime(2003, 3, 5), 1234.56])
    sheet.append(["A", "Alpha", 1002, dt.date(2003, 3, 6), 0.1 + 0.2])
    path = tmp_path / "aging.xlsx"
    workbook.save(path)

    frame = read_receivables(path)

    assert frame["amount_cents"].to_list()[0] == 123456
    assert frame["invoice_number"].to_list() == ["1001", "1002"]
    assert [d.isoformat() for d in frame["invoice_date"]] == ["2003-03-05", "2003-03-06"]


def test_xlsx_columns_the_reader_does_not_know_are_ignored_and_rows_still_count(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Notes", "Customer ID", "Customer Name", "Invoice #", "Inv Date", "Amount"])
    sheet.append([3.5, "A", "Alpha", "1", "2003-03-05", "100.00"])
    sheet.append(["see me", "A", "Alpha", "2", "2003-03-05", "ten"])
    path = tmp_path / "aging.xlsx"
    workbook.save(path)

    problem = _refusal(path).problems[0]

    assert (problem.row, problem.column, problem.message) == (3, "amount", "not an amount: 'ten'")


def test_xlsx_without_any_known_column_names_the_missing_ones(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Foo", "Bar"])
    sheet.append(["1", "2"])
    path = tmp_path / "aging.xlsx"
    workbook.save(path)

    missing = {p.column for p in _refusal(path).problems}

    assert {"customer_id", "customer_name", "invoice_number", "invoice_date", "amount"} <= missing


def test_a_date_with_a_time_other_than_midnight_is_refused(tmp_path):
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer ID", "Customer Name", "Invoice #", "Inv Date", "Amount"])
    sheet.append(["A", "Alpha", "1", dt.datetime(2003, 3, 5, 14, 30), "1.00"])
    path = tmp_path / "aging.xlsx"
    workbook.save(path)

    problem = _refusal(path).problems[0]

    assert (problem.row, problem.column) == (2, "invoice_date")
    assert problem.message.startswith("not a date")


def test_xlsx_amount_with_three_decimals_is_refused_not_rounded(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Customer ID", "Customer Name", "Invoice #", "Inv Date", "Amount"])
    sheet.append(["A", "Alpha", "1", "2003-03-05", 12.345])
    path = tmp_path / "aging.xlsx"
    workbook.save(path)

    assert _refusal(path).problems[0].message == "more than 2 decimal places: '12.345'"


def test_inventory_value_is_quantity_times_cost_rounded_per_row(tmp_path):
    path = tmp_path / "inventory.csv"
    path.write_text(
        "Item #,Description,Warehouse,Category,Program,Qty,Unit Cost,In Transit,Consigned,Obsolete\n"
        'S1,Phone,Duluth GA,Finished Goods,bellsouth,"1,200",$18.5050,N,N,N\n'
        "S2,Board,Duluth GA,WIP,,3,0.0050,,,\n"
        "S3,Clip,Duluth GA,Raw,,1,0.0250,,,\n"
    )

    frame = read_inventory(path)

    # 1,200 × 18.5050 = 22,206.00; 3 × 0.0050 = 0.015 → 0.02; 0.025 → 0.03 half-up
    # (half-even would give 0.02)
    assert frame["value_cents"].to_list() == [2220600, 2, 3]
    assert frame["category"].to_list() == ["finished_goods", "work_in_process", "raw_materials"]
    assert frame["program"].to_list() == ["BELLSOUTH", "", ""]


def test_inventory_negative_quantity_is_refused(tmp_path):
    path = tmp_path / "inventory.csv"
    path.write_text(
        "sku,description,location,category,quantity,unit_cost\nS1,X,L,finished_goods,-1,2\n"
    )

    problem = _refusal(path, reader=read_inventory).problems[0]

    assert (problem.row, problem.column, problem.message) == (
        2,
        "quantity",
        "must not be negative: '-1'",
    )


def test_payables_read(tmp_path):
    path = tmp_path / "ap.csv"
    path.write_text('Customer ID,Vendor,Amount\nACME,Acme Supply,"$2,500.00"\n')

    assert read_payables(path).row(0) == (2, "ACME", "Acme Supply", 250000)


amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(amounts, min_size=1, max_size=20), us_style=st.booleans())
def test_written_amounts_read_back_identically(tmp_path, values, us_style):
    def text(v):
        if not us_style:
            return str(v)
        body = f"${abs(v):,.2f}"
        return f'"({body})"' if v < 0 else f'"{body}"'

    body = "".join(f"C{i},Name,{i},2003-01-02,,{text(v)},US,N,N\n" for i, v in enumerate(values))
    frame = read_receivables(_csv(tmp_path, body, name=f"h{abs(hash(body))}.csv"))

    assert frame["amount_cents"].to_list() == [int(v * 100) for v in values]


def test_cell_problems_duplicates_and_differing_names_are_reported_together(tmp_path):
    path = _csv(
        tmp_path,
        "A,Alpha,1,2003-01-02,,10.00,US,N,N\n"
        "A,Alpha,1,2003-01-03,,11.00,US,N,N\n"  # row 3 repeats row 2's invoice
        "A,Alfa,2,2003-01-04,,x,US,N,N\n"  # row 4: a name that differs and an amount that is not
        "B,Beta,3,2003-02-30,,5.00,US,N,N\n"  # row 5: no such date
        "B,Beta,3,2003-02-01,,5.00,USA,N,N\n",  # row 6: repeats row 5's invoice; bad country
    )

    error = _refusal(path)

    assert [(p.row, p.column, p.message) for p in error.problems] == [
        (3, "invoice_number", "the same customer and invoice number repeats row 2"),
        (4, "amount", "not an amount: 'x'"),
        (4, "customer_name", "'Alfa' differs from 'Alpha' on row 2 for the same customer"),
        (5, "invoice_date", "not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-02-30'"),
        (6, "country", "not an ISO 3166 two-letter country code: 'USA'"),
        (6, "invoice_number", "the same customer and invoice number repeats row 5"),
    ]
    assert error.more == 0


def test_problems_of_every_kind_are_capped_together_by_row(tmp_path):
    rows = "".join(
        f"A,Alpha,{n},2003-01-02,,x,US,N,N\nA,Alpha,{n},2003-01-02,,1,US,N,N\n" for n in range(20)
    )
    path = _csv(tmp_path, rows)

    error = _refusal(path, max_problems=4)

    # Each even row's amount, each odd row's invoice repeating the row before: 40 in all.
    assert [(p.row, p.column) for p in error.problems] == [
        (2, "amount"),
        (3, "invoice_number"),
        (4, "amount"),
        (5, "invoice_number"),
    ]
    assert error.more == 36
    assert str(error).startswith("The first 4 of 40 problems:\n")
