"""§2 amounts: every accepted way of writing one, and what is refused (docs/collateral-files.md)."""

import polars as pl
import pytest

from abl.readers import values


def _parse(text: str | None) -> tuple[int | None, str | None]:
    cells = pl.LazyFrame({"amount": pl.Series([text], dtype=pl.String)})
    frame = values.money_cents(cells, "amount").collect()
    return frame["__v_amount"][0], frame["__p_amount"][0]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1234.5", 123450),
        ("$1,234.50", 123450),
        ("1,234,567.89", 123456789),
        ("1,234", 123400),
        ("0", 0),
        ("(1,234.50)", -123450),
        ("$(1,234.50)", -123450),
        ("($1,234.50)", -123450),
        ("( 5.00 )", -500),
        ("-1234.5", -123450),
        ("-$5.00", -500),
        ("$-5.00", -500),
        ("- 5", -500),
        ("$ 5", 500),
        ("1234567890123.99", 123456789012399),
    ],
)
def test_accepted_amounts_are_exact_cents(text, cents):
    assert _parse(text) == (cents, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,23", "not an amount"),  # perhaps a decimal comma
        ("12,34.00", "not an amount"),
        ("1,2345", "not an amount"),
        ("1 234", "not an amount"),
        ("(-5.00)", "not an amount"),  # negative twice
        ("--5", "not an amount"),
        ("+5", "not an amount"),
        ("5-", "not an amount"),
        ("(5.00", "not an amount"),  # an unclosed parenthesis
        ("5.00)", "not an amount"),
        ("5$0", "not an amount"),
        ("$$5", "not an amount"),
        ("1.2.3", "not an amount"),
        ("$", "not an amount"),
        ("-", "not an amount"),
        (".", "not an amount"),
        (".5", "not an amount"),  # a digit may be missing on either side of the point
        ("5.", "not an amount"),
        ("1,000.", "not an amount"),
        ("bad", "not an amount"),
        ("12345678901234", "too large"),
        ("1.005", "more than 2 decimal places"),
    ],
)
def test_refused_amounts_say_why(text, message):
    _, problem = _parse(text)

    assert problem == message + ": '{}'"


def test_an_empty_cell_is_no_problem_of_the_parser():
    assert _parse(None) == (None, None)
