"""The three collateral files of §2: receivables aging, inventory, payables.

Each reader returns a polars frame with exact values (integer cents, dates,
booleans) and the spreadsheet row of each record, or raises
CollateralFileError listing every problem by row and column at once, capped:
the cells' problems and those across rows (a repeated invoice, a customer's
name that differs) together, so a file is corrected in one go.
"""

import datetime as dt
import string
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from abl.calc.money import to_cents
from abl.readers import headers, source, values
from abl.readers.errors import CONTROL, CollateralFileError, Problem, printable, quote
from abl.readers.limits import ReaderLimits

DEFAULT_LIMITS = ReaderLimits()
CATEGORY_WORDS = {
    "raw_materials": "raw_materials",
    "raw_material": "raw_materials",
    "raw": "raw_materials",
    "work_in_process": "work_in_process",
    "work_in_progress": "work_in_process",
    "wip": "work_in_process",
    "finished_goods": "finished_goods",
    "finished_good": "finished_goods",
    "fg": "finished_goods",
}


def _text(column: str) -> tuple[pl.Expr, pl.Expr]:
    return pl.col(column), pl.lit(None, dtype=pl.Utf8)


# Something, with no blank at either end and no control character anywhere:
# such a text is its own value (the rules would strip nothing from it).
_CONTROLS = CONTROL.removeprefix("[").removesuffix("]")  # the ranges of CONTROL's class
_PLAIN_TEXT = rf"^[^\s{_CONTROLS}](?:[^{_CONTROLS}]*[^\s{_CONTROLS}])?$"


def _text_screen(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """Vouches for a plain text (`_PLAIN_TEXT`), which is its own value."""
    cell = pl.col(field)
    return frame.with_columns(
        cell.alias(f"__v_{field}"), cell.str.contains(_PLAIN_TEXT).alias(f"__s_{field}")
    )


def _upper(column: str) -> tuple[pl.Expr, pl.Expr]:
    return pl.col(column).str.to_uppercase().fill_null(""), pl.lit(None, dtype=pl.Utf8)


def _country(column: str) -> tuple[pl.Expr, pl.Expr]:
    code = pl.col(column).str.to_uppercase()
    problem = (
        pl.when(code.is_not_null() & ~code.str.contains(r"^[A-Z]{2}$"))
        .then(pl.lit("not an ISO 3166 two-letter country code: '{}'"))
        .otherwise(None)
    )
    return code.fill_null("US"), problem


_TWO_LETTERS = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]


def _country_screen(frame: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """Vouches for two capital letters as written (`us` is read in full)."""
    cell = pl.col(field)
    return frame.with_columns(
        cell.fill_null("US").alias(f"__v_{field}"),
        cell.is_in(_TWO_LETTERS).alias(f"__s_{field}"),
    )


def _category(column: str) -> tuple[pl.Expr, pl.Expr]:
    word = pl.col(column).str.to_lowercase().str.replace_all(r"[^a-z]+", "_").str.strip_chars("_")
    value = word.replace_strict(CATEGORY_WORDS, default=None, return_dtype=pl.Utf8)
    problem = (
        pl.when(pl.col(column).is_not_null() & value.is_null())
        .then(pl.lit("not one of raw_materials, work_in_process, finished_goods: '{}'"))
        .otherwise(None)
    )
    return value, problem


REPAYMENT_KINDS = {
    "repayment": "repayment",
    "payment": "repayment",
    "collection": "collection",
    "collections": "collection",
    "lockbox": "collection",
}


def _repayment_kind(column: str) -> tuple[pl.Expr, pl.Expr]:
    word = pl.col(column).str.to_lowercase().str.strip_chars()
    value = word.replace_strict(REPAYMENT_KINDS, default=None, return_dtype=pl.Utf8)
    problem = (
        pl.when(pl.col(column).is_not_null() & value.is_null())
        .then(pl.lit("not repayment or collection: '{}'"))
        .otherwise(None)
    )
    return value.fill_null("repayment"), problem


TEXT = values.expression_stage(_text)
REPAYMENT_KIND = values.expression_stage(_repayment_kind)
UPPER = values.expression_stage(_upper)
COUNTRY = values.expression_stage(_country)
CATEGORY = values.expression_stage(_category)


@dataclass(frozen=True)
class Field:
    name: str
    parse: values.Stage
    required: bool = True  # the column must be there and every cell filled
    dtype: type[pl.DataType] = pl.Utf8
    max_length: int | None = None  # characters: the database column that stores it
    screen: values.Screen | None = None  # see values.Screen


@dataclass(frozen=True)
class Spec:
    what: str
    aliases: dict[str, tuple[str, ...]]
    fields: tuple[Field, ...]


RECEIVABLES = Spec(
    "receivables aging",
    headers.RECEIVABLES,
    (
        Field("customer_id", TEXT, max_length=100, screen=_text_screen),
        Field("customer_name", TEXT, max_length=255, screen=_text_screen),
        Field("invoice_number", TEXT, max_length=100, screen=_text_screen),
        Field("invoice_date", values.date, dtype=pl.Date, screen=values.date_screen),
        Field("due_date", values.date, required=False, dtype=pl.Date, screen=values.date_screen),
        Field("amount", values.money_cents, dtype=pl.Int64, screen=values.money_screen),
        Field("country", COUNTRY, required=False, screen=_country_screen),
        Field(
            "affiliate",
            values.flag,
            required=False,
            dtype=pl.Boolean,
            screen=values.flag_screen,
        ),
        Field(
            "government",
            values.flag,
            required=False,
            dtype=pl.Boolean,
            screen=values.flag_screen,
        ),
    ),
)
INVENTORY = Spec(
    "inventory",
    headers.INVENTORY,
    (
        Field("sku", TEXT, max_length=100),
        Field("description", TEXT, max_length=255),
        Field("location", TEXT, max_length=100),
        Field("category", CATEGORY),
        Field("program", UPPER, required=False, max_length=50),
        Field("quantity", values.quantity),
        Field("unit_cost", values.quantity),
        Field("in_transit", values.flag, required=False, dtype=pl.Boolean),
        Field("consigned", values.flag, required=False, dtype=pl.Boolean),
        Field("obsolete", values.flag, required=False, dtype=pl.Boolean),
    ),
)
PAYABLES = Spec(
    "payables",
    headers.PAYABLES,
    (
        Field("customer_id", TEXT, max_length=100, screen=_text_screen),
        Field("vendor_name", TEXT, max_length=255, screen=_text_screen),
        Field("amount", values.money_cents, dtype=pl.Int64, screen=values.money_screen),
    ),
)

REPAYMENTS = Spec(
    "repayments",
    headers.REPAYMENTS,
    (
        Field("value_date", values.date, dtype=pl.Date),
        Field("amount", values.money_cents, dtype=pl.Int64),
        Field("kind", REPAYMENT_KIND, required=False),
        Field("reference", TEXT, required=False, max_length=200),
    ),
)


class _Problems:
    """Every problem found in a file, by every check: each check adds its first `limit`
    (by row) and counts the rest, so the first `limit` of them all are among those kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.items: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.count += 1
        self.items.append(problem)

    def shown(self) -> list[Problem]:
        """The first `limit` problems, by row (a file's own problems, with no row, first)."""
        ordered = sorted(self.items, key=lambda p: (p.row or 0, p.column or ""))
        return ordered[: self.limit]

    def raise_if_any(self) -> None:
        if self.count:
            shown = self.shown()
            raise CollateralFileError(shown, more=self.count - len(shown))


@dataclass(frozen=True)
class _Read:
    """A file's data rows and the problems of their cells, not yet raised, so that the
    checks across rows (duplicates, names that differ) add theirs to the same list.

    A cell with a problem is null in `frame`; `refused` holds the rows with any."""

    frame: pl.DataFrame
    problems: _Problems
    refused: pl.Series


def _map_headers(
    columns: list[str], spec: Spec, lookup: dict[str, str], problems: _Problems
) -> dict[str, str]:
    """Each field's column, by the header as written; a header's own problems on row 1."""
    positions: dict[str, list[int]] = defaultdict(list)
    for position, column in enumerate(columns, start=1):
        name = lookup.get(headers.normalise(column))
        if printable(column) != column:
            problems.add(
                Problem(
                    1,
                    name,
                    f"the header of column {position} has a control character: {quote(column)}",
                )
            )
        if name is not None:  # extra columns are ignored, even repeated
            positions[column].append(position)
    mapping: dict[str, str] = {}
    for column, where in positions.items():
        name = lookup[headers.normalise(column)]
        if len(where) > 1:
            times = "twice" if len(where) == 2 else f"{len(where)} times"
            places = ", ".join(map(str, where[:-1])) + f" and {where[-1]}"
            problems.add(
                Problem(1, name, f"the column {quote(column)} appears {times} (columns {places})")
            )
        if name in mapping:
            problems.add(
                Problem(1, name, f"both {quote(mapping[name])} and {quote(column)} mean {name}")
            )
        else:
            mapping[name] = column
    for field in spec.fields:
        if field.required and field.name not in mapping:
            names = ", ".join(f"'{a}'" for a in spec.aliases[field.name][:3])
            problems.add(Problem(1, field.name, f"required column is missing (e.g. {names})"))
    return mapping


@dataclass(frozen=True)
class Rule:
    """A file's own rule on a parsed value: a cell with no other problem gets
    `message` where `breaks` holds (both on the `__v_` columns)."""

    field: str
    breaks: pl.Expr
    message: pl.Expr

    def apply(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        problem = pl.col(f"__p_{self.field}")
        return frame.with_columns(
            pl.when(problem.is_null() & self.breaks)
            .then(self.message)
            .otherwise(problem)
            .alias(f"__p_{self.field}")
        )


def _read(
    path: Path,
    spec: Spec,
    limits: ReaderLimits,
    filename: str | None,
    *,
    rules: tuple[Rule, ...] = (),
) -> _Read:
    name = printable(filename or path.name)
    try:
        return _read_as(path, spec, limits, name, cp1252=False, rules=rules)
    except source.CsvEncodingError:
        return _read_as(path, spec, limits, name, cp1252=True, rules=rules)


def _read_as(
    path: Path,
    spec: Spec,
    limits: ReaderLimits,
    name: str,
    *,
    cp1252: bool,
    rules: tuple[Rule, ...],
) -> _Read:
    """Clean, parse and check every cell, streaming; then list the cells' problems.

    A problem of the file itself (its headers, ragged or no rows, too many rows)
    is raised at once: its cells cannot be read. A cell's problem is returned
    with the rows, its cell null.

    When every field has a screen, the screens read the whole file and the
    rules only the rows they do not vouch for (none in a clean file): two
    passes over the file only when some row needs it.
    """
    lookup = headers.lookup(spec.aliases)
    table = source.read_table(
        path,
        filename=name,
        limits=limits,
        cp1252=cp1252,
        wanted=lambda header: headers.normalise(header) in lookup,
    )
    problems = _Problems(limits.max_problems)
    mapping = _map_headers(table.header, spec, lookup, problems)
    problems.raise_if_any()
    try:
        screened, checked = _read_rows(table.frame, spec, mapping, rules, filename=name)
    except source.RaggedRowsError:
        raise source.ragged_rows(table, limit=limits.max_problems) from None
    height = checked.height + (0 if screened is None else screened.height)
    if height == 0:
        raise CollateralFileError([Problem(None, None, f"{name} has no data rows.")])
    if height > limits.max_rows:
        raise CollateralFileError(
            [
                Problem(
                    None,
                    None,
                    f"{name} has {height:,} data rows; the limit is {limits.max_rows:,}.",
                )
            ]
        )
    _cell_problems(checked, table.frame, spec, mapping, problems, filename=name)
    refused = pl.Series("row", [], dtype=checked.schema["row"])
    if problems.count:
        refused, checked = _without_failing_cells(checked, spec)
    named = ["row", *[pl.col(f"__v_{f.name}").cast(f.dtype).alias(f.name) for f in spec.fields]]
    if screened is None:
        frame = checked.select(named)
    elif checked.is_empty():
        frame = screened.select(named)
    else:
        frame = pl.concat([screened.select(named), checked.select(named)]).sort("row")
    return _Read(frame, problems, refused)


def _without_failing_cells(checked: pl.DataFrame, spec: Spec) -> tuple[pl.Series, pl.DataFrame]:
    """The rows with a problem, and the rows with each failing cell's value made null."""
    failing = [pl.col(f"__p_{f.name}").is_not_null() for f in spec.fields]
    refused = checked.filter(pl.any_horizontal(failing)).get_column("row")
    values = [
        pl.when(fails).then(None).otherwise(pl.col(f"__v_{f.name}")).alias(f"__v_{f.name}")
        for f, fails in zip(spec.fields, failing, strict=True)
    ]
    return refused, checked.with_columns(values)


def _read_rows(
    table: pl.LazyFrame,
    spec: Spec,
    mapping: dict[str, str],
    rules: tuple[Rule, ...],
    *,
    filename: str,
) -> tuple[pl.DataFrame | None, pl.DataFrame]:
    """The rows the screens vouch for (`row` and values; None without screens), and
    the others read in full (`row`, values and problems)."""
    if not all(f.screen is not None for f in spec.fields):
        return None, source.collect(_in_full(table, spec, mapping, rules), filename=filename)
    screened = source.collect(_screened(table, spec, mapping, rules), filename=filename)
    doubtful = screened.filter(~pl.col("__fine")).get_column("row")
    in_full = _in_full(table.filter(pl.col("row").is_in(doubtful.implode())), spec, mapping, rules)
    if doubtful.is_empty():
        return screened, pl.DataFrame(schema=in_full.collect_schema())
    return screened.filter(pl.col("__fine")), source.collect(in_full, filename=filename)


def _in_full(
    table: pl.LazyFrame, spec: Spec, mapping: dict[str, str], rules: tuple[Rule, ...]
) -> pl.LazyFrame:
    """`row` and each field's value and problem, by the rules in full.

    Only values and problems are kept: the cells' text is fetched again for
    the rows with problems, so a valid file holds half as much in memory.
    """
    pipeline = _checked(table, spec, mapping)
    for rule in rules:
        pipeline = rule.apply(pipeline)
    return pipeline.select(
        "row",
        *[f"__v_{f.name}" for f in spec.fields],
        *[f"__p_{f.name}" for f in spec.fields],
    )


def _screened(
    table: pl.LazyFrame, spec: Spec, mapping: dict[str, str], rules: tuple[Rule, ...]
) -> pl.LazyFrame:
    """`row`, each field's value by its screen, and `__fine`: whether the screens
    vouch for every cell of the row and no rule breaks (values.Screen)."""
    frame = _cells(table, mapping, [f.name for f in spec.fields])
    vouched: list[pl.Expr] = []
    for f in spec.fields:
        assert f.screen is not None
        frame = f.screen(frame, f.name)
        cell, fine = pl.col(f.name), pl.col(f"__s_{f.name}")
        if f.max_length is not None:  # in bytes: never fewer than characters
            fine = fine & (cell.str.len_bytes() <= f.max_length)
        fine = fine.fill_null(False)
        vouched.append(fine if f.required else fine | cell.is_null())
    # A blank row is skipped by the rules, so never vouched for here.
    vouched.append(pl.any_horizontal(pl.col(f.name).is_not_null() for f in spec.fields))
    screened = frame.select(
        "row", *[f"__v_{f.name}" for f in spec.fields], pl.all_horizontal(vouched).alias("__fine")
    )
    if not rules:
        return screened
    breaks = pl.any_horizontal(rule.breaks.fill_null(False) for rule in rules)
    return screened.with_columns((pl.col("__fine") & ~breaks).alias("__fine"))


def _checked(table: pl.LazyFrame, spec: Spec, mapping: dict[str, str]) -> pl.LazyFrame:
    """Every field cleaned and parsed, with the one problem of each cell (or null).

    A cell's first problem wins: a control character (in the text as written,
    blanks around it included), then empty, too long, and what its parser says.
    """
    fields = [f.name for f in spec.fields]
    mapped = [f for f in fields if f in mapping]
    pipeline = values.clean_stage(
        _cells(table, mapping, fields).with_columns(
            pl.col(f).str.contains(CONTROL).alias(f"__c_{f}") for f in mapped
        ),
        mapped,
    ).filter(
        # Blank rows are skipped (they keep their numbers); one of control characters is not.
        ~pl.all_horizontal(pl.col(f).is_null() for f in fields)
        | pl.any_horizontal(pl.col(f"__c_{f}") for f in mapped)
    )
    for f in spec.fields:
        pipeline = f.parse(pipeline, f.name)
        rules: list[tuple[pl.Expr, pl.Expr]] = []
        if f.name in mapped:
            rules.append((pl.col(f"__c_{f.name}"), pl.lit("has a control character: '{}'")))
        if f.required:
            rules.append((pl.col(f.name).is_null(), pl.lit("is empty")))
        if f.max_length is not None:
            length = pl.col(f.name).str.len_chars()
            message = pl.format(f"longer than {f.max_length} characters ({{}})", length)
            rules.append((length > f.max_length, message))
        problem = pl.col(f"__p_{f.name}")
        for condition, message in reversed(rules):
            problem = pl.when(condition).then(message).otherwise(problem)
        pipeline = pipeline.with_columns(problem.alias(f"__p_{f.name}"))
    return pipeline


def _cell_problems(
    checked: pl.DataFrame,
    table: pl.LazyFrame,
    spec: Spec,
    mapping: dict[str, str],
    problems: _Problems,
    *,
    filename: str,
) -> None:
    """Each failing cell's problem, its template filled with the cell's text (quoted)."""
    failing = {
        f.name: checked.filter(pl.col(f"__p_{f.name}").is_not_null()).select("row", f"__p_{f.name}")
        for f in spec.fields
        if checked[f"__p_{f.name}"].null_count() < checked.height
    }
    if not failing:
        return
    rows = pl.concat([frame["row"].head(problems.limit) for frame in failing.values()]).unique()
    # The text as written (not cleaned), so a message shows the control character it names.
    texts = source.collect(
        _cells(table, mapping, [f for f in failing if f in mapping]).filter(
            pl.col("row").is_in(rows.implode())
        ),
        filename=filename,
    )
    text_of = {
        field: dict(zip(texts["row"], texts[field], strict=True))
        for field in failing
        if field in texts.columns
    }
    for field, frame in failing.items():
        for row, template in frame.head(problems.limit).iter_rows():
            text = text_of.get(field, {}).get(row) or ""
            # Only a template's own `'{}'` is filled (not str.format: a message
            # made from values may hold braces).
            message = template.replace("'{}'", quote(text.strip(" ")), 1)
            problems.add(Problem(row, field, message))
        problems.count += max(0, frame.height - problems.limit)


def _cells(table: pl.LazyFrame, mapping: dict[str, str], fields: list[str]) -> pl.LazyFrame:
    """`row` and each field's cells as written, under the field's name (null if no column)."""
    return table.select(
        "row",
        *[
            pl.col(mapping[f]).alias(f) if f in mapping else pl.lit(None, dtype=pl.Utf8).alias(f)
            for f in fields
        ],
    )


def _duplicates(frame: pl.DataFrame, keys: list[str], problems: _Problems, what: str) -> None:
    """A key that repeats an earlier row's, on the later rows (first `limit` kept, the rest
    counted); a row whose key has a problem of its own (null) is not compared."""
    if any(frame[k].null_count() for k in keys):
        frame = frame.drop_nulls(keys)
    # The usual case, cheaply: distinct hashes prove distinct keys (equal keys
    # hash alike). Hashing takes 8 bytes a row, far less than comparing the keys
    # themselves. A collision only sends us on
    # to the exact check below.
    if frame.select(pl.struct(keys).hash().n_unique()).item() == frame.height:
        return
    marked = frame.with_columns(
        pl.col("row").first().over(keys).alias("__first"),
        pl.int_range(pl.len()).over(keys).alias("__n"),
    ).filter(pl.col("__n") > 0)
    for row, first in marked.head(problems.limit).select("row", "__first").iter_rows():
        problems.add(Problem(row, keys[-1], f"{what} repeats row {first}"))
    problems.count += max(0, marked.height - problems.limit)


def _consistent(frame: pl.DataFrame, key: str, columns: list[str], problems: _Problems) -> None:
    """A value that differs from the customer's first row's (first `limit` kept per column,
    the rest counted); a cell with a problem of its own (null) is not compared."""
    # A column agrees within every group when its least and greatest values are
    # equal (these columns are null only where a cell has a problem; min and max
    # skip it); min and max cost a fraction of counting distinct values.
    bounds = (
        frame.lazy()
        .group_by(key)
        .agg(
            *[pl.col(c).min().alias(f"{c}_lo") for c in columns],
            *[pl.col(c).max().alias(f"{c}_hi") for c in columns],
        )
        .collect()
    )
    varying = [c for c in columns if (bounds[f"{c}_lo"] != bounds[f"{c}_hi"]).any()]
    for column in varying:
        compared = frame.drop_nulls([key, column])
        differs = compared.with_columns(
            pl.col(column).first().over(key).alias("__first_value"),
            pl.col("row").first().over(key).alias("__first_row"),
        ).filter(pl.col(column) != pl.col("__first_value"))
        problems.count += max(0, differs.height - problems.limit)
        for row, value, first_value, first_row in (
            differs.head(problems.limit)
            .select(
                "row",
                pl.col(column).cast(pl.Utf8),
                pl.col("__first_value").cast(pl.Utf8),
                "__first_row",
            )
            .iter_rows()
        ):
            problems.add(
                Problem(
                    row,
                    column,
                    f"{quote(value)} differs from {quote(first_value)} on row {first_row} "
                    "for the same customer",
                )
            )


def _not_after(as_of: dt.date) -> Rule:
    """An aging as of a date holds no invoice dated after it (§2)."""
    date = pl.col("__v_invoice_date")
    return Rule(
        "invoice_date",
        date > as_of,
        pl.format(f"dated {{}}, after the as-of date {as_of.isoformat()}", date),
    )


def read_receivables(
    path: Path,
    *,
    as_of: dt.date | None = None,
    limits: ReaderLimits = DEFAULT_LIMITS,
    filename: str | None = None,
) -> pl.DataFrame:
    """The aging; with `as_of`, an invoice dated after it is a problem of its row."""
    rules = () if as_of is None else (_not_after(as_of),)
    read = _read(path, RECEIVABLES, limits, filename, rules=rules)
    frame, problems = read.frame.rename({"amount": "amount_cents"}), read.problems
    _duplicates(
        frame, ["customer_id", "invoice_number"], problems, "the same customer and invoice number"
    )
    _consistent(
        frame, "customer_id", ["customer_name", "country", "affiliate", "government"], problems
    )
    problems.raise_if_any()
    return frame


def read_inventory(
    path: Path, *, limits: ReaderLimits = DEFAULT_LIMITS, filename: str | None = None
) -> pl.DataFrame:
    read = _read(path, INVENTORY, limits, filename)
    read.problems.raise_if_any()
    frame = read.frame
    cents = [
        to_cents(Decimal(q) * Decimal(c))
        for q, c in zip(frame["quantity"].to_list(), frame["unit_cost"].to_list(), strict=True)
    ]
    return frame.with_columns(pl.Series("value_cents", cents, dtype=pl.Int64)).select(
        "row",
        "sku",
        "description",
        "location",
        "category",
        "program",
        "quantity",
        "unit_cost",
        "value_cents",
        "in_transit",
        "consigned",
        "obsolete",
    )


def read_payables(
    path: Path, *, limits: ReaderLimits = DEFAULT_LIMITS, filename: str | None = None
) -> pl.DataFrame:
    read = _read(path, PAYABLES, limits, filename)
    read.problems.raise_if_any()
    return read.frame.rename({"amount": "amount_cents"})


# Money received is more than zero.
MORE_THAN_ZERO = Rule("amount", pl.col("__v_amount") <= 0, pl.lit("must be more than zero: '{}'"))


@dataclass(frozen=True)
class Checked:
    """A file's rows without a problem, and the problems of the others: the first
    `limit` (by row) and how many there are in all."""

    frame: pl.DataFrame
    problems: tuple[Problem, ...]
    count: int


def check_repayments(
    path: Path, *, limits: ReaderLimits = DEFAULT_LIMITS, filename: str | None = None
) -> Checked:
    """`read_repayments`, its cells' problems returned with the rows that have none, so the
    ledger's rule can name its own problems beside them; a problem of the file itself
    (its headers, no rows, too many) is raised (CollateralFileError)."""
    read = _read(path, REPAYMENTS, limits, filename, rules=(MORE_THAN_ZERO,))
    frame = read.frame.rename({"amount": "amount_cents"})
    if read.problems.count:
        frame = frame.filter(~pl.col("row").is_in(read.refused.implode()))
    return Checked(frame, tuple(read.problems.shown()), read.problems.count)


def read_repayments(
    path: Path, *, limits: ReaderLimits = DEFAULT_LIMITS, filename: str | None = None
) -> pl.DataFrame:
    """Money received against the loan, one row a payment: value date, amount (more than
    zero), kind (repayment or collection, default repayment), reference."""
    checked = check_repayments(path, limits=limits, filename=filename)
    if checked.count:
        raise CollateralFileError(checked.problems, more=checked.count - len(checked.problems))
    return checked.frame
