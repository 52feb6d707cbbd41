"""Statements uploaded as CSV or XLSX: held to the collateral readers' rules, all or nothing."""

import datetime as dt
from decimal import Decimal

import pytest
import xlsxwriter

from abl.readers import CollateralFileError
from covenants.models import FinancialStatement, StatementVersion
from covenants.readers import COLUMNS
from covenants.services import statements

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
ROW = "{date},40000000,2000000,500000,1500000,30000000,0,9000000,1000000,500000,0,2000000,1000000,{capex},0"


def _csv(tmp_path, *lines: str):
    path = tmp_path / "projections.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def _upload(innotrac, cfo, path, kind="projection"):
    return statements.submit_statement_file(
        facility=innotrac,
        kind=kind,
        path=path,
        filename=path.name,
        user=cfo,
        officer_title="CFO",
    )


def test_each_row_of_a_projections_file_is_a_statement(innotrac, cfo, tmp_path):
    path = _csv(
        tmp_path,
        ROW.format(date="2003-06-30", capex="1500000"),
        ROW.format(date="09/30/2003", capex='"$2,500,000.00"'),
    )

    versions = _upload(innotrac, cfo, path)

    assert [v.statement.period_end for v in versions] == [
        dt.date(2003, 6, 30),
        dt.date(2003, 9, 30),
    ]
    assert versions[1].capex_ytd == Decimal("2500000.00")
    assert {v.source for v in versions} == {"upload"}
    assert {v.statement.kind for v in versions} == {"projection"}


def test_a_bad_cell_refuses_the_whole_file_naming_row_and_column(innotrac, cfo, tmp_path):
    path = _csv(
        tmp_path,
        ROW.format(date="2003-06-30", capex="1500000"),
        ROW.format(date="2003-09-30", capex="lots"),
        ROW.format(date="2003-02-30", capex="1"),
    )

    with pytest.raises(CollateralFileError) as caught:
        _upload(innotrac, cfo, path)

    assert [str(p) for p in caught.value.problems] == [
        "row 3, column 'capex_ytd': not an amount: 'lots'",
        "row 4, column 'period_end': not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-02-30'",
    ]
    assert StatementVersion.objects.count() == 0


def test_a_missing_or_unknown_column_is_named(innotrac, cfo, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER.replace(",ebitda", ",ebitdaa")
        + "\n"
        + ROW.format(date="2003-06-30", capex="1")
        + "\n"
    )

    with pytest.raises(CollateralFileError) as caught:
        _upload(innotrac, cfo, path)

    assert [str(p) for p in caught.value.problems] == [
        "row 1, column 'ebitdaa': unknown column",
        "row 1: missing column 'ebitda'",
    ]


def test_inconsistent_figures_are_named_by_row_and_column(innotrac, cfo, tmp_path):
    path = _csv(
        tmp_path,
        ROW.format(date="2003-06-30", capex="1").replace(",30000000,0,", ",30000000,40000000,"),
    )

    with pytest.raises(CollateralFileError) as caught:
        _upload(innotrac, cfo, path)

    assert [str(p) for p in caught.value.problems] == [
        "row 2, column 'subordinated_debt': must not be more than total_liabilities"
    ]


def test_a_date_on_the_wrong_side_of_today_refuses_every_row(innotrac, cfo, tmp_path):
    from covenants.services.errors import CovenantRefused

    path = _csv(
        tmp_path,
        ROW.format(date="2003-06-30", capex="1"),
        ROW.format(date="2003-03-31", capex="1"),
    )

    with pytest.raises(CovenantRefused, match="projections are for future dates"):
        _upload(innotrac, cfo, path)

    assert FinancialStatement.objects.count() == 0


def test_an_xlsx_file_is_read_as_a_csv_is(innotrac, cfo, tmp_path):
    path = tmp_path / "actuals.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, COLUMNS)
        values = ROW.format(date="2003-03-31", capex="1000000").split(",")
        sheet.write_datetime(
            1, 0, dt.datetime(2003, 3, 31), book.add_format({"num_format": "yyyy-mm-dd"})
        )
        sheet.write_row(1, 1, [Decimal(v) for v in values[1:]])

    [version] = _upload(innotrac, cfo, path, kind="actual")

    assert version.statement.period_end == dt.date(2003, 3, 31)
    assert version.total_equity == Decimal("40000000.00")
    assert version.file_name == "actuals.xlsx"


def test_a_file_that_is_not_a_spreadsheet_is_refused(innotrac, cfo, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"%PDF-1.4 not a csv")

    with pytest.raises(CollateralFileError, match="is a PDF document"):
        _upload(innotrac, cfo, path)


def test_the_innotrac_projections_show_the_breach_the_bank_foresaw(innotrac, cfo):
    from tests.abl.conftest import ROOT

    path = ROOT / "examples" / "innotrac" / "projections-2003.csv"

    versions = _upload(innotrac, cfo, path)

    failed = {
        v.statement.period_end: [r["covenant"] for r in v.latest_test.results if not r["passed"]]
        for v in versions
    }
    assert failed == {
        dt.date(2003, 6, 30): ["tangible_net_worth"],
        dt.date(2003, 9, 30): [],
        dt.date(2003, 12, 31): [],
    }
