"""Eligible inventory and its advance, §4 of the rules.

Each row counts in the first category that applies (the facility's ineligible
categories, in transit, consigned, obsolete, unapproved location); the rest is
eligible and advanced at its rate: a program's rate only when the program is in
force (BellSouth: once its consent is recorded), else the general rate. Each
rate's advance is rounded to cents, then the total is capped at the sublimit.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import polars as pl

from abl.calc.money import ZERO, cents, from_cents
from abl.calc.terms import InventoryTerms

FLAG_CATEGORIES = ("in_transit", "consigned", "obsolete")


def categories(rules: InventoryTerms) -> tuple[str, ...]:
    """The ineligible categories in the order they are taken."""
    return (*rules.ineligible_categories, *FLAG_CATEGORIES, "location")


@dataclass(frozen=True)
class Test:
    """What puts a row in a category: `column` is in `values`, is not in them, or is true.

    The same tests classify rows here (polars) and select them for the
    drill-down and the exports (abl/reasons.py, as database filters), so the two agree.
    """

    column: str
    kind: Literal["in", "not_in", "true"]
    values: tuple[str, ...] = ()


def category_tests(rules: InventoryTerms) -> tuple[tuple[str, Test], ...]:
    """Each ineligible category with its test, in the order they are taken."""
    tests: list[tuple[str, Test]] = [
        (name, Test("category", "in", (name,))) for name in rules.ineligible_categories
    ]
    tests += [(flag, Test(flag, "true")) for flag in FLAG_CATEGORIES]
    if rules.approved_locations:
        tests.append(("location", Test("location", "not_in", tuple(rules.approved_locations))))
    return tuple(tests)


def _expr(test: Test) -> pl.Expr:
    if test.kind == "true":
        return pl.col(test.column)
    inside = pl.col(test.column).is_in(list(test.values))
    return inside if test.kind == "in" else ~inside


@dataclass(frozen=True)
class InventoryResult:
    gross: Decimal
    ineligible: Mapping[str, Decimal]
    eligible: Decimal
    eligible_by_rate: Mapping[Decimal, Decimal]
    advance_before_cap: Decimal
    sublimit: Decimal
    availability: Decimal

    def __post_init__(self) -> None:
        if sum(self.ineligible.values(), ZERO) != self.gross - self.eligible:
            raise ValueError("inventory: ineligibles do not sum to gross − eligible")
        if sum(self.eligible_by_rate.values(), ZERO) != self.eligible:
            raise ValueError("inventory: eligible by rate does not sum to eligible")
        if self.availability != min(self.advance_before_cap, self.sublimit):
            raise ValueError("inventory: availability is not the advance capped at the sublimit")


def classify_inventory(inv: pl.DataFrame, rules: InventoryTerms) -> pl.DataFrame:
    """The inventory frame with `reason` (a category or "eligible") and `advance_rate` (text)."""
    # Built from the last category back, so the first that applies wins.
    reason: pl.Expr = pl.lit("eligible")
    for name, test in reversed(category_tests(rules)):
        reason = pl.when(_expr(test)).then(pl.lit(name)).otherwise(reason)
    in_force = {name: str(p.advance_rate) for name, p in rules.programs.items() if p.in_force}
    rate = pl.col("program").replace_strict(
        in_force, default=str(rules.advance_rate), return_dtype=pl.Utf8
    )
    return inv.with_columns(reason.alias("reason")).with_columns(
        pl.when(pl.col("reason") == "eligible").then(rate).otherwise(None).alias("advance_rate")
    )


def compute_inventory(inv: pl.DataFrame, rules: InventoryTerms) -> InventoryResult:
    classified = classify_inventory(inv, rules)
    by_reason = dict(classified.group_by("reason").agg(pl.col("value_cents").sum()).iter_rows())
    by_rate = dict(
        classified.filter(pl.col("reason") == "eligible")
        .group_by("advance_rate")
        .agg(pl.col("value_cents").sum())
        .iter_rows()
    )
    eligible_by_rate = {Decimal(rate): from_cents(total) for rate, total in by_rate.items()}
    advance = sum((cents(amount * rate) for rate, amount in eligible_by_rate.items()), ZERO)
    return InventoryResult(
        gross=from_cents(int(classified["value_cents"].sum() or 0)),
        ineligible={c: from_cents(by_reason.get(c, 0)) for c in categories(rules)},
        eligible=from_cents(by_reason.get("eligible", 0)),
        eligible_by_rate=eligible_by_rate,
        advance_before_cap=advance,
        sublimit=rules.sublimit,
        availability=min(advance, rules.sublimit),
    )
