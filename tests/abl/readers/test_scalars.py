"""parse_amount and parse_date: a command's text read by the same rules as a file's cell."""

import datetime as dt
import re

import polars as pl
import pytest

from abl.readers import parse_amount, parse_date, values


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1234.5", 123450),
        ("$1,234.50", 123450),
        ("(1,234.50)", -123450),
        ("$(5.00)", -500),
        ("-$5.00", -500),
        ("  7 ", 700),
        ("1234567890123.99", 123456789012399),
    ],
)
def test_parse_amount_reads_cents(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Infinity", "not an amount: 'Infinity'"),
        ("-inf", "not an amount: '-inf'"),
        ("NaN", "not an amount: 'NaN'"),
        ("1e5", "not an amount: '1e5'"),
        ("0x10", "not an amount: '0x10'"),
        ("1_000", "not an amount: '1_000'"),
        ("١٢٣", "not an amount: '١٢٣'"),  # Arabic-Indic digits
        ("1,23", "not an amount: '1,23'"),
        ("", "not an amount: ''"),
        ("   ", "not an amount: ''"),
        ("5\x00", "not an amount: '5\\x00'"),
        ("1.234", "more than 2 decimal places: '1.234'"),
        ("12345678901234", "too large: '12345678901234'"),
        ("9" * 100, "too large: '" + "9" * 59 + "…'"),
    ],
)
def test_parse_amount_refuses_with_the_files_message(text, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2003-04-02", dt.date(2003, 4, 2)),
        ("04/02/2003", dt.date(2003, 4, 2)),
        ("4/2/2003", dt.date(2003, 4, 2)),
        ("2003-04-02 00:00:00", dt.date(2003, 4, 2)),
        (" 2003-04-02 ", dt.date(2003, 4, 2)),
    ],
)
def test_parse_date_reads_both_forms(text, date):
    assert parse_date(text) == date


@pytest.mark.parametrize(
    "text",
    ["2003-02-30", "31/01/2003", "2003-04-02 14:30:00", "April 2, 2003", "20030402", "", "today"],
)
def test_parse_date_refuses_with_the_files_message(text):
    message = f"not a date (YYYY-MM-DD or MM/DD/YYYY): '{text.strip()}'"

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_date(text)


SAME_TEXTS = [
    "1234.5", "$1,234.50", "(1,234.50)", "$-5.00", "- 5", "Infinity", "NaN", "1e5", "+5",
    "١٢٣", "1,23", "1.005", "12345678901234", "$$5", "(5.00", "2003-04-02", "4/2/2003",
    "2003-02-30", "31/01/2003", "2003-04-02 00:00:00", "2003-04-02 14:30:00", "+2003-04-02",
]  # fmt: skip


def _stage(stage: values.Stage, text: str) -> tuple[object, str | None]:
    cells = values.clean_stage(pl.LazyFrame({"cell": [text]}), ["cell"])
    value, problem = stage(cells, "cell").select("__v_cell", "__p_cell").collect().row(0)
    return (None if problem else value), problem


def _scalar(parse, text: str) -> tuple[object, str | None]:
    try:
        return parse(text), None
    except ValueError as error:
        return None, str(error)


@pytest.mark.parametrize("text", SAME_TEXTS)
def test_the_scalar_parsers_agree_with_the_file_stages(text):
    for parse, stage in ((parse_amount, values.money_cents), (parse_date, values.date)):
        value, template = _stage(stage, text)
        scalar_value, message = _scalar(parse, text)

        assert scalar_value == value
        assert message == (None if template is None else template.replace("{}", text.strip()))
