"""Vectorised parsing of text cells, as stages of a lazy pipeline.

Each parser adds two columns for a field: `__v_<field>` (the value) and
`__p_<field>` (a problem message template, null where the cell is fine). A
template's `{}` is filled with the cell's text only for the rows that have a
problem (abl/readers/files.py), so valid files pay nothing for messages.

`parse_amount` and `parse_date` read one text (a command's argument) by
running the same stages on it: one definition of each rule.
"""

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any, Literal

import polars as pl

from abl.readers.errors import quote

TRUE_WORDS = ["y", "yes", "true", "1", "t"]
FALSE_WORDS = ["n", "no", "false", "0", "f"]
MAX_WHOLE_DIGITS = 13  # amounts below ten trillion
NOT_AN_AMOUNT = "not an amount: '{}'"
NEGATIVE = "must not be negative: {}"
NOT_POSITIVE = "must be more than zero: {}"
NOT_A_DATE = "not a date (YYYY-MM-DD or MM/DD/YYYY): '{}'"
MIDNIGHT = " 00:00:00"
Sign = Literal["any", "not negative", "positive"]
Stage = Callable[[pl.LazyFrame, str], pl.LazyFrame]
# A screen is a stage that reads a field's cells as written, cheaply: it adds
# `__v_<field>` and `__s_<field>`, whether it vouches for the cell. Where it
# vouches, the full reading (cleaning, the field's stage and the file's rules,
# abl/readers/files.py) gives that value and no problem; a row it does not
# vouch for is read again in full. So a screen may be narrower than the rules,
# never wider: a rare shape costs a second reading, never another answer.
Screen = Stage
c = pl.col


def clean_stage(frame: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    """Each of `columns` stripped, and null where that leaves it empty.

    In two stages, so each column is made once (not once per expression).
    """
    stripped = frame.with_columns(pl.col(name).str.strip_chars() for name in columns)
    return stripped.with_columns(
        pl.when(pl.col(name).str.len_bytes() > 0).then(pl.col(name)).alias(name) for name in columns
    )


def expression_stage(parse: Callable[[str], tuple[pl.Expr, pl.Expr]]) -> Stage:
    """A parser written as (value, problem) expressions, as a stage."""

    def stage(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
        value, problem = parse(field)
        return frame.with_columns(value.alias(f"__v_{field}"), problem.alias(f"__p_{field}"))

    return stage


# A number: thousands grouped by commas (or none), then a decimal point only
# with digits on both sides (`5.` and `.5` are refused: a digit may be lost).
# ASCII digits only: `\d` would take other scripts' digits, which no cast reads.
_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
# The whole cell: `$` before the amount or its sign, negative in parentheses or
# with a leading minus (not both), spaces allowed inside.
_AMOUNT = rf"^\$?\s*(?:\(\s*\$?\s*(?:{_NUMBER})\s*\)|-\s*\$?\s*(?:{_NUMBER})|(?:{_NUMBER}))$"


def money_cents(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """`$1,234.50`, `(1,234.50)`, `$(5.00)`, `-1234.5` → exact integer cents; at most 2 decimals.

    Commas must group thousands (`1,234.50`): a misplaced comma may be a decimal
    comma, so `1,23` is refused rather than read as 123. One pattern decides
    whether the cell is an amount; its digits and point, cast through
    `Decimal`, give the cents.
    """
    t = f"__t_{field}"
    return (
        frame.with_columns(
            c(field).str.contains(_AMOUNT).alias(f"{t}_ok"),
            (
                c(field).str.contains("(", literal=True) | c(field).str.contains("-", literal=True)
            ).alias(f"{t}_negative"),
            _digits(c(field)).alias(f"{t}_digits"),
        )
        .with_columns(
            c(f"{t}_digits").str.find(".", literal=True).alias(f"{t}_point"),
            c(f"{t}_digits").str.len_bytes().alias(f"{t}_length"),
            _cents(c(f"{t}_digits")).alias(f"{t}_cents"),
        )
        .with_columns(
            pl.when(c(f"{t}_negative"))
            .then(-c(f"{t}_cents"))
            .otherwise(c(f"{t}_cents"))
            .alias(f"__v_{field}"),
            pl.when(c(field).is_null())
            .then(None)
            .when(~c(f"{t}_ok"))
            .then(pl.lit(NOT_AN_AMOUNT))
            .when(c(f"{t}_point").fill_null(c(f"{t}_length")) > MAX_WHOLE_DIGITS)
            .then(pl.lit("too large: '{}'"))
            .when(c(f"{t}_length") - c(f"{t}_point") - 1 > 2)
            .then(pl.lit("more than 2 decimal places: '{}'"))
            .otherwise(None)
            .alias(f"__p_{field}"),
        )
        .drop(*(f"{t}_{s}" for s in ("ok", "negative", "digits", "point", "length", "cents")))
    )


def _digits(text: pl.Expr) -> pl.Expr:
    # In a cell that is an amount, `$ ( ) -` and spaces come only before or
    # after the number: stripping them and the commas leaves its digits.
    return text.str.strip_chars("$()- ").str.replace_all(",", "", literal=True)


def _cents(digits: pl.Expr) -> pl.Expr:
    return (digits.cast(pl.Decimal(30, 2), strict=False) * 100).cast(pl.Int64, strict=False)


# The shapes nearly every export writes: no blanks, at most 2 decimals, at
# most 13 whole digits (12 when grouped by commas). All are amounts by
# `_AMOUNT`, none too large or with too many decimals, and they hold nothing
# but digits and `$ ( ) - , .`: nothing to strip, no control character.
_PLAIN_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3}){1,3}|[0-9]{1,13})(?:\.[0-9]{1,2})?"
_PLAIN_AMOUNT = rf"^\$?(?:\(\$?(?:{_PLAIN_NUMBER})\)|-\$?(?:{_PLAIN_NUMBER})|(?:{_PLAIN_NUMBER}))$"


def money_screen(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """The screen of `money_cents`: vouches for the plain shapes (`_PLAIN_AMOUNT`)."""
    t = f"__t_{field}"
    cell = c(field)
    # In a plain shape the sign can only come first, after a `$` or not.
    negative = pl.any_horizontal(cell.str.starts_with(sign) for sign in ("(", "-", "$(", "$-"))
    return (
        frame.with_columns(
            _cents(_digits(cell)).alias(t),
            negative.alias(f"{t}_negative"),
            cell.str.contains(_PLAIN_AMOUNT).alias(f"__s_{field}"),
        )
        .with_columns(pl.when(c(f"{t}_negative")).then(-c(t)).otherwise(c(t)).alias(f"__v_{field}"))
        .drop(t, f"{t}_negative")
    )


def date(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """`YYYY-MM-DD` or `MM/DD/YYYY` (also `M/D/YYYY`); a midnight time is allowed.

    A date cell of a workbook arrives as `YYYY-MM-DD 00:00:00`. In stages, so
    each intermediate column is made once.
    """
    t = f"__t_{field}"
    return (
        _dated(frame.with_columns(c(field).str.strip_suffix(MIDNIGHT).alias(t)), t, f"__v_{field}")
        .with_columns(
            pl.when(c(t).is_not_null() & c(f"__v_{field}").is_null())
            .then(pl.lit(NOT_A_DATE))
            .otherwise(None)
            .alias(f"__p_{field}")
        )
        .drop(t)
    )


def _dated(frame: pl.LazyFrame, text: str, out: str) -> pl.LazyFrame:
    """`out`, the date of the column `text`: ISO first, the US format only on the cells
    ISO did not read."""
    iso = f"{out}_iso"
    return (
        frame.with_columns(c(text).str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias(iso))
        .with_columns(
            pl.coalesce(
                iso,
                pl.when(c(iso).is_null())
                .then(c(text))
                .str.strptime(pl.Date, "%m/%d/%Y", strict=False),
            ).alias(out)
        )
        .drop(iso)
    )


# Digits and the two separators, with a workbook's midnight or not: nothing to
# strip, no control character. The shape matters because the date parser
# itself skips blanks (control characters among them) before a number.
_PLAIN_DATE = rf"^[0-9/-]+(?:{MIDNIGHT})?$"


def date_screen(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """The screen of `date`: vouches for a plain cell (`_PLAIN_DATE`) that is a date."""
    t, value = f"__t_{field}", f"__v_{field}"
    # A cell with its midnight is no date as written (a format must take the
    # whole text), so only the cells not read as written are read without it.
    read = _dated(frame, field, value).with_columns(
        pl.when(c(value).is_null()).then(c(field)).str.strip_suffix(MIDNIGHT).alias(t)
    )
    return (
        _dated(read, t, f"{t}_date")
        .with_columns(pl.coalesce(value, f"{t}_date").alias(value))
        .with_columns(
            (c(field).str.contains(_PLAIN_DATE) & c(value).is_not_null()).alias(f"__s_{field}")
        )
        .drop(t, f"{t}_date")
    )


def _flag(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Y/N, yes/no, true/false, 1/0 in any case; empty is no."""
    word = c(column).str.to_lowercase()
    value = word.is_in(TRUE_WORDS).fill_null(False)
    problem = (
        pl.when(word.is_not_null() & ~word.is_in(TRUE_WORDS + FALSE_WORDS))
        .then(pl.lit("not yes or no: '{}'"))
        .otherwise(None)
    )
    return value, problem


def _cases(words: list[str]) -> list[str]:
    """Every way of writing the words in upper and lower case: `yes`, `Yes`, `yEs`, …"""
    return sorted(
        "".join(letters)
        for word in words
        for letters in itertools.product(*({ch.lower(), ch.upper()} for ch in word))
    )


_TRUE_CASES = _cases(TRUE_WORDS)
_FLAG_CASES = _cases(TRUE_WORDS + FALSE_WORDS)


def flag_screen(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """The screen of `flag`: vouches for the words as written, in any case, and no blanks."""
    cell = c(field)
    return frame.with_columns(
        cell.is_in(_TRUE_CASES).fill_null(False).alias(f"__v_{field}"),
        cell.is_in(_FLAG_CASES).alias(f"__s_{field}"),
    )


def _quantity(column: str) -> tuple[pl.Expr, pl.Expr]:
    """A non-negative decimal with at most 4 places (`$` and commas allowed); canonical text."""
    text = c(column)
    core = text.str.replace_all(r"[$,\s]", "")
    problem = (
        pl.when(text.is_null())
        .then(None)
        .when(core.str.starts_with("-") | (text.str.starts_with("(") & text.str.ends_with(")")))
        .then(pl.lit("must not be negative: '{}'"))
        .when(~core.str.contains(r"^\d+(?:\.\d*)?$|^\.\d+$"))
        .then(pl.lit("not a number: '{}'"))
        .when(core.str.extract(r"\.(\d*)$", 1).fill_null("").str.len_chars() > 4)
        .then(pl.lit("more than 4 decimal places: '{}'"))
        .otherwise(None)
    )
    return core, problem


flag = expression_stage(_flag)
quantity = expression_stage(_quantity)


def _parse_one(stage: Stage, text: str, *, empty: str) -> Any:
    """`text` read as one cell of a file by `stage`: its value, or ValueError with the problem."""
    cells = clean_stage(pl.LazyFrame({"cell": [text]}, schema={"cell": pl.Utf8}), ["cell"])
    value, problem = stage(cells, "cell").select("__v_cell", "__p_cell").collect().row(0)
    if problem is not None or value is None:
        # An empty cell is no problem of the parser (the file's column says
        # whether it may be empty); a command's argument may not be.
        raise ValueError((problem or empty).replace("'{}'", quote(text.strip()), 1))
    return value


def parse_amount(text: str, *, sign: Sign = "any") -> int:
    """Integer cents, as a file's amount cell is read: `"$(1,234.50)"` → -123450.

    The one reading of an amount typed or written anywhere: files, commands'
    arguments and forms (abl/forms.py `AmountField`). Plain ASCII digits, commas
    grouping thousands, a decimal point with digits on both sides, `$`, and a
    leading minus or parentheses for a negative. `sign` says which amounts the
    field takes: "any", "not negative" or "positive" (more than zero).

    Raises ValueError("not an amount: '1e5'"), ("too large: '…'"),
    ("more than 2 decimal places: '1.234'"), ("must not be negative: '-5'") or
    ("must be more than zero: '0'").
    """
    cents: int = _parse_one(money_cents, text, empty=NOT_AN_AMOUNT)
    if sign == "positive" and cents <= 0:
        raise ValueError(NOT_POSITIVE.format(quote(text.strip())))
    if sign == "not negative" and cents < 0:
        raise ValueError(NEGATIVE.format(quote(text.strip())))
    return cents


def parse_date(text: str) -> dt.date:
    """A date, as a file's date cell is read: `"4/2/2003"` → 2003-04-02.

    Raises ValueError("not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-02-30'").
    """
    value: dt.date = _parse_one(date, text, empty=NOT_A_DATE)
    return value
