"""Reading a financial statements file (CSV or XLSX): pure, no Django; polars through abl.readers.

One row per period end: a `period_end` column and one column per figure of §8
(the names of covenants/calc/financials.py, any case and spacing; the bank's
approvals are not the borrower's to report, so `approved_additional_capex` is
no column). The file passes the collateral files' checks first (size, type,
zip bombs, encodings: abl/readers/source.py), then every cell is read as a
collateral file's amounts and dates are, and every problem names its row and
column. Refused whole: nothing is stored from a file with any problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from abl.calc.dates import date_problem
from abl.calc.money import from_cents
from abl.readers import CollateralFileError, Problem, ReaderLimits, parse_amount, parse_date
from abl.readers.headers import normalise
from covenants.calc.financials import FIELDS, Financials, FinancialsError, consistency_problems

COLUMNS: tuple[str, ...] = ("period_end", *(f for f in FIELDS if f != "approved_additional_capex"))


@dataclass(frozen=True)
class StatementRow:
    row: int
    period_end: dt.date
    financials: Financials


def _header_mapping(header: list[str], filename: str) -> dict[str, str]:
    problems: list[Problem] = []
    mapping: dict[str, str] = {}
    for written in header:
        name = normalise(written)
        if name not in COLUMNS:
            problems.append(Problem(1, written, "unknown column"))
        elif name in mapping.values():
            problems.append(Problem(1, written, f"a second {name} column"))
        else:
            mapping[written] = name
    for column in COLUMNS:
        if column not in mapping.values():
            problems.append(Problem(1, None, f"missing column '{column}'"))
    if problems:
        raise CollateralFileError(problems)
    return mapping


def read_statements(path: Path, *, filename: str, limits: ReaderLimits) -> list[StatementRow]:
    """Every row of the file, checked; CollateralFileError listing each problem (row, column)."""
    from abl.readers.source import (
        CsvEncodingError,
        RaggedRowsError,
        collect,
        ragged_rows,
        read_table,
    )

    try:
        table = read_table(path, filename=filename, limits=limits)
        frame = collect(table.frame, filename=filename)
    except CsvEncodingError:
        table = read_table(path, filename=filename, limits=limits, cp1252=True)
        frame = collect(table.frame, filename=filename)
    except RaggedRowsError:
        raise ragged_rows(table, limit=limits.max_problems) from None
    if frame.height == 0:
        raise CollateralFileError([Problem(None, None, f"{filename} has no data rows.")])
    if frame.height > limits.max_rows:
        raise CollateralFileError(
            [
                Problem(
                    None,
                    None,
                    f"{filename} has {frame.height:,} rows; the limit is {limits.max_rows:,}.",
                )
            ]
        )
    mapping = _header_mapping(table.header, filename)
    by_field = {field: written for written, field in mapping.items()}
    # The frame's columns are the header's, in order (made unique), plus `row`.
    data_columns = [c for c in frame.columns if c != "row"]
    column_of = {written: data_columns[i] for i, written in enumerate(table.header)}
    problems: list[Problem] = []
    rows: list[StatementRow] = []
    seen: dict[dt.date, int] = {}
    for record in frame.iter_rows(named=True):
        row = int(record["row"])
        cells = {field: record[column_of[written]] for field, written in by_field.items()}
        parsed = _row(row, cells, by_field, problems)
        if parsed is None:
            continue
        if parsed.period_end in seen:
            problems.append(
                Problem(
                    row,
                    by_field["period_end"],
                    f"{parsed.period_end} is also row {seen[parsed.period_end]}",
                )
            )
        seen[parsed.period_end] = row
        rows.append(parsed)
    if problems:
        shown = problems[: limits.max_problems]
        raise CollateralFileError(shown, more=len(problems) - len(shown))
    return rows


def _row(
    row: int, cells: dict[str, str | None], columns: dict[str, str], problems: list[Problem]
) -> StatementRow | None:
    before = len(problems)
    text = (cells["period_end"] or "").strip()
    period_end = dt.date.min
    if not text:
        problems.append(Problem(row, columns["period_end"], "empty: a date is required"))
    else:
        try:
            period_end = parse_date(text)
        except ValueError as error:
            problems.append(Problem(row, columns["period_end"], str(error)))
        else:
            if problem := date_problem(period_end):
                problems.append(Problem(row, columns["period_end"], problem))
    values: dict[str, Decimal] = {"approved_additional_capex": Decimal("0.00")}
    for field in COLUMNS[1:]:
        cell = (cells[field] or "").strip()
        values[field] = Decimal("0.00")
        if not cell:
            problems.append(
                Problem(row, columns[field], "empty: an amount is required (0 for none)")
            )
            continue
        try:
            values[field] = from_cents(parse_amount(cell))
        except ValueError as error:
            problems.append(Problem(row, columns[field], str(error)))
    if len(problems) > before:
        return None
    try:
        return StatementRow(row, period_end, Financials(**values))
    except FinancialsError:
        for message in consistency_problems_of(values):
            field = message.split(":", 1)[0]
            problems.append(Problem(row, columns.get(field), message.split(": ", 1)[1]))
        return None


def consistency_problems_of(values: dict[str, Decimal]) -> list[str]:
    """The figures' own checks (negative amounts, sub debt over liabilities), by field."""
    shell = object.__new__(Financials)
    for name, value in values.items():
        object.__setattr__(shell, name, value)
    return consistency_problems(shell)
