"""The screens (values.Screen): never wider than the rules, and they vouch for the usual shapes.

A screen vouches for a cell only where reading it in full (cleaning, the
field's stage, the file's rules) gives the same value and no problem; a row it
does not vouch for is read again in full, so the reader's answer is the full
reading's either way.
"""

import datetime as dt
import itertools
from pathlib import Path

import polars as pl
import pytest

from abl.readers import CollateralFileError, read_payables, read_receivables
from abl.readers.files import (
    PAYABLES,
    RECEIVABLES,
    Field,
    Rule,
    Spec,
    _in_full,
    _not_after,
    _screened,
)

AS_OF = dt.date(2003, 3, 31)
SCREENED = {f.name: f for f in (*RECEIVABLES.fields, *PAYABLES.fields)}
BASES = [
    # text
    "ACME", "Acme Supply Co.", "x" * 100, "x" * 101, "é" * 60, "=cmd|' /C calc'!A0",
    # dates
    "2003-01-02", "1/2/2003", "01/02/2003", "2003-1-2", "2003-01-02 00:00:00",
    "1/2/2003 00:00:00", "2003-02-30", "31/01/2003", "+2003-01-02", "03-01-02", "2003- 1-02",
    "2003-04-02", "2003-01-02 14:30:00",
    # amounts
    "1,234.50", "$1,234.50", "(1,234.50)", "$(5.00)", "($5.00)", "-5.00", "-$5.00", "$-5.00",
    "5.", ".5", "5", "0", "-0", "1234567890123.99", "12345678901234", "123,456,789,012.34",
    "1,234,567,890,123.00", "0001234567890123", "1.005", "1,23", "(-5)", "5-", "--5", "$$5",
    "(5.00", "1.2.3", "١٢٣", "1e5", "Infinity",
    # flags and countries
    "Y", "n", "yes", "YES", "tRuE", "False", "0", "1", "t", "maybe", "US", "us", "Ca", "USA",
    "U", "ÉU",
    # nothing
    "", " ", "\t",
]  # fmt: skip
DECORATIONS = [
    "{}", " {}", "{} ", "\t{}", "{}\t", "\x00{}", "{}\x00", "\u00a0{}", "{}\u00a0", "\n{}",
    "{}\r", "\x7f{}", "\x1f{}", "{}\x0b", "\u2003{}", "{}\u3000", "\x85{}", "{}\x85",
    "\ufeff{}", "{}\u200b",
]  # fmt: skip
INFIXES = ["\t", "\x00", " ", "\n"]


def _corpus() -> list[str | None]:
    cells: list[str | None] = [None]
    for base, decoration in itertools.product(BASES, DECORATIONS):
        cells.append(decoration.replace("{}", base))
    for base, infix in itertools.product(BASES, INFIXES):
        cells += [base[:1] + infix + base[1:], base[:2] + infix + base[2:]]
    return cells


CORPUS = _corpus()


def _rules(field: Field) -> tuple[Rule, ...]:
    return (_not_after(AS_OF),) if field.name == "invoice_date" else ()


@pytest.mark.parametrize("name", sorted(SCREENED))
def test_a_screen_vouches_only_where_the_full_reading_agrees(name):
    field = SCREENED[name]
    spec = Spec("one column", {}, (field,))
    cells = pl.LazyFrame(
        {"row": range(2, len(CORPUS) + 2), name: CORPUS},
        schema={"row": pl.Int64, name: pl.Utf8},
    )
    mapping = {name: name}

    screened = _screened(cells, spec, mapping, _rules(field)).filter("__fine").collect()
    in_full = _in_full(cells, spec, mapping, _rules(field)).collect()

    agreed = screened.join(in_full, on="row", how="left", suffix="_full")
    assert agreed.filter(pl.col(f"__p_{name}").is_not_null()).height == 0
    assert agreed[f"__v_{name}"].to_list() == agreed[f"__v_{name}_full"].to_list()
    assert screened.height > 0


USUAL_AMOUNTS = [
    "9,194.81", "$14,993.67", "-5.01", "-$5.01", "(5.01)", "($5.01)", "(1,234.00)", "1234.5",
    "1234", "$1,234,567,890.12", "0.00",
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "cells"),
    [
        ("customer_id", ["C00947", "BELLSOUTH"]),
        ("customer_name", ["Customer 00947 Inc.", "BellSouth Telecommunications"]),
        ("invoice_date", ["2003-02-14", "02/18/2003", "2/8/2003", "2003-02-14 00:00:00"]),
        ("due_date", ["2003-03-16", "03/20/2003", None]),
        ("amount", USUAL_AMOUNTS),
        ("country", ["US", "CA", None]),
        ("affiliate", ["N", "Y", "n", "yes", "FALSE", "1", None]),
    ],
)
def test_the_screens_vouch_for_the_usual_shapes(name, cells):
    # Beside a customer id, so that an empty cell is not a blank row.
    fields = (
        (SCREENED["customer_id"], SCREENED[name]) if name != "customer_id" else (SCREENED[name],)
    )
    frame = pl.LazyFrame(
        {"row": range(2, len(cells) + 2), "customer_id": "C1", name: cells},
        schema={"row": pl.Int64, "customer_id": pl.Utf8, name: pl.Utf8},
    )
    spec = Spec("two columns", {}, fields)

    screened = _screened(frame, spec, {f.name: f.name for f in fields}, ()).collect()

    assert screened["__fine"].to_list() == [True] * len(cells)


HEADER = (
    "Customer ID,Customer Name,Invoice #,Inv Date,Due Date,Amount,Country,Affiliate,Government\n"
)


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "aging.csv"
    path.write_text(header + body)
    return path


def test_rows_read_in_full_keep_their_place_among_the_vouched(tmp_path):
    path = _csv(
        tmp_path,
        "A,Alpha,1,2003-01-02,,1.00,US,N,N\n"
        "A,Alpha,2, 2003-01-03 ,,$ 2.5,us,no ,N\n"  # valid, but no plain shape
        "A,Alpha,3,2003-01-04,,3.00,US,N,N\n"
        ",,,,,,,,\n"  # blank: skipped
        "A,Alpha,5,2003-01-05,,(4),US,N,N\n",
    )

    frame = read_receivables(path, as_of=AS_OF)

    assert frame["row"].to_list() == [2, 3, 4, 6]
    assert frame["amount_cents"].to_list() == [100, 250, 300, -400]
    assert [d.day for d in frame["invoice_date"]] == [2, 3, 4, 5]
    assert frame["country"].to_list() == ["US"] * 4


def test_a_file_of_rows_read_in_full_only_is_read_as_the_rules_say(tmp_path):
    path = tmp_path / "ap.csv"
    path.write_text("Customer ID,Vendor,Amount\n A ,Acme,10\nB, Beta ,$ 2\n")

    assert read_payables(path).rows() == [(2, "A", "Acme", 1000), (3, "B", "Beta", 200)]


def test_an_invoice_dated_after_the_as_of_date_is_found_among_vouched_rows(tmp_path):
    path = _csv(tmp_path, "A,Alpha,1,2003-03-31,,1.00,US,N,N\nA,Alpha,2,2003-04-01,,1.00,US,N,N\n")

    with pytest.raises(CollateralFileError) as caught:
        read_receivables(path, as_of=AS_OF)

    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.message) == (
        3,
        "invoice_date",
        "dated 2003-04-01, after the as-of date 2003-03-31",
    )
