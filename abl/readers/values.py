"""Vectorised parsing of text cells: each returns the value and a problem message
(null where the cell is fine), so a million rows are checked in one pass."""

import polars as pl

TRUE_WORDS = ["y", "yes", "true", "1", "t"]
FALSE_WORDS = ["n", "no", "false", "0", "f"]
MAX_WHOLE_DIGITS = 13  # amounts below ten trillion


def cleaned(column: str) -> pl.Expr:
    """Stripped text; an empty cell is null."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def money_cents(column: str) -> tuple[pl.Expr, pl.Expr]:
    """`$1,234.50`, `(1,234.50)`, `-1234.5` → exact integer cents; at most 2 decimals."""
    text = pl.col(column)
    paren = text.str.starts_with("(") & text.str.ends_with(")")
    core = text.str.replace_all(r"[()$\s]", "")
    negative = core.str.starts_with("-")
    core = core.str.strip_prefix("-")
    well_formed = core.str.contains(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?$|^\.\d+$")
    digits = core.str.replace_all(",", "")
    whole = digits.str.extract(r"^(\d*)", 1).fill_null("")
    fraction = digits.str.extract(r"\.(\d*)$", 1).fill_null("")
    whole_cents = (
        pl.when(whole == "").then(pl.lit("0")).otherwise(whole).cast(pl.Int64, strict=False) * 100
    )
    cents = whole_cents + fraction.str.pad_end(2, "0").str.slice(0, 2).cast(pl.Int64, strict=False)
    value = pl.when(paren | negative).then(-cents).otherwise(cents)
    problem = (
        pl.when(text.is_null())
        .then(None)
        .when(~well_formed | (paren & negative))
        .then(pl.format("not an amount: '{}'", text))
        .when(whole.str.len_chars() > MAX_WHOLE_DIGITS)
        .then(pl.format("too large: '{}'", text))
        .when(fraction.str.len_chars() > 2)
        .then(pl.format("more than 2 decimal places: '{}'", text))
        .otherwise(None)
    )
    return value, problem


def date(column: str) -> tuple[pl.Expr, pl.Expr]:
    """`YYYY-MM-DD` or `MM/DD/YYYY` (also `M/D/YYYY`)."""
    text = pl.col(column)
    value = pl.coalesce(
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        text.str.strptime(pl.Date, "%m/%d/%Y", strict=False),
    )
    problem = (
        pl.when(text.is_not_null() & value.is_null())
        .then(pl.format("not a date (YYYY-MM-DD or MM/DD/YYYY): '{}'", text))
        .otherwise(None)
    )
    return value, problem


def flag(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Y/N, yes/no, true/false, 1/0 in any case; empty is no."""
    word = pl.col(column).str.to_lowercase()
    value = pl.when(word.is_in(TRUE_WORDS)).then(True).otherwise(False)
    problem = (
        pl.when(word.is_not_null() & ~word.is_in(TRUE_WORDS + FALSE_WORDS))
        .then(pl.format("not yes or no: '{}'", pl.col(column)))
        .otherwise(None)
    )
    return value, problem


def quantity(column: str) -> tuple[pl.Expr, pl.Expr]:
    """A non-negative decimal with at most 4 places (`$` and commas allowed); canonical text."""
    text = pl.col(column)
    core = text.str.replace_all(r"[$,\s]", "")
    problem = (
        pl.when(text.is_null())
        .then(None)
        .when(core.str.starts_with("-") | (text.str.starts_with("(") & text.str.ends_with(")")))
        .then(pl.format("must not be negative: '{}'", text))
        .when(~core.str.contains(r"^\d+(?:\.\d*)?$|^\.\d+$"))
        .then(pl.format("not a number: '{}'", text))
        .when(core.str.extract(r"\.(\d*)$", 1).fill_null("").str.len_chars() > 4)
        .then(pl.format("more than 4 decimal places: '{}'", text))
        .otherwise(None)
    )
    return core, problem
