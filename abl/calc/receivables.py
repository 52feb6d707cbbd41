"""Eligible receivables, §3 of the rules.

Per customer, categories are taken in order, each removing min(rem, amount) from
what remains, so no dollar is counted twice; then concentration on the total.

>>> from abl.calc.terms import ReceivablesTerms

if TYPE_CHECKING:  # polars is imported where a frame is handled: the models need only CATEGORIES
    import polars as pl
>>> rules = ReceivablesTerms(Decimal("0.85"), 90, Decimal("0.5"), Decimal("0.25"), {}, ("US",))
>>> acme = CustomerBalance("ACME", "Acme", "US", False, False, 2, Decimal("150.00"),
...                        Decimal("150.00"), Decimal("50.00"), Decimal("0.00"))
>>> compute_receivables([acme], rules).ineligible["past_due"]
Decimal('50.00')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from abl.calc.money import ZERO, cents, from_cents
from abl.calc.terms import ReceivablesTerms

if TYPE_CHECKING:  # polars is imported where a frame is handled: the models need only CATEGORIES
    import polars as pl

CATEGORIES = (
    "affiliate",
    "government",
    "foreign",
    "cross_aged",
    "past_due",
    "contra",
    "concentration",
)
WHOLE_BALANCE = ("affiliate", "government", "foreign", "cross_aged")


@dataclass(frozen=True)
class CustomerBalance:
    """One account debtor's items, summed (money in Decimal)."""

    customer_id: str
    customer_name: str
    country: str
    affiliate: bool
    government: bool
    invoice_count: int
    gross: Decimal
    pos: Decimal
    pos_aged: Decimal
    contra: Decimal


@dataclass(frozen=True)
class CustomerResult:
    customer: CustomerBalance
    ineligible: Mapping[str, Decimal]
    eligible: Decimal

    def __post_init__(self) -> None:
        if sum(self.ineligible.values(), ZERO) != self.customer.gross - self.eligible:
            raise ValueError(
                f"{self.customer.customer_id}: ineligibles do not sum to gross − eligible"
            )
        if any(amount < 0 for amount in self.ineligible.values()):
            raise ValueError(f"{self.customer.customer_id}: a negative ineligible amount")


@dataclass(frozen=True)
class ReceivablesResult:
    gross: Decimal
    ineligible: Mapping[str, Decimal]
    eligible: Decimal
    advance_rate: Decimal
    availability: Decimal
    customers: tuple[CustomerResult, ...]

    def __post_init__(self) -> None:
        if sum(self.ineligible.values(), ZERO) != self.gross - self.eligible:
            raise ValueError("receivables: ineligibles do not sum to gross − eligible")
        if sum((c.customer.gross for c in self.customers), ZERO) != self.gross:
            raise ValueError("receivables: customers do not sum to gross")
        if sum((c.eligible for c in self.customers), ZERO) != self.eligible:
            raise ValueError("receivables: customers' eligible do not sum to eligible")


def aged_expr(as_of: date, age_limit_days: int) -> pl.Expr:
    """An item is aged when (as_of − invoice_date) in days exceeds the age limit."""
    import polars as pl

    return (pl.lit(as_of) - pl.col("invoice_date")).dt.total_days() > age_limit_days


def summarize_customers(
    ar: pl.DataFrame, payables: pl.DataFrame | None, *, as_of: date, age_limit_days: int
) -> tuple[CustomerBalance, ...]:
    """Sum the aging per customer in integer cents (vectorised; no float)."""
    import polars as pl

    amount = pl.col("amount_cents")
    positive = pl.when(amount > 0).then(amount).otherwise(0)
    summary = ar.group_by("customer_id").agg(
        pl.col("customer_name").first(),
        pl.col("country").first(),
        pl.col("affiliate").first(),
        pl.col("government").first(),
        pl.len().alias("invoice_count"),
        amount.sum().alias("gross"),
        positive.sum().alias("pos"),
        pl.when(aged_expr(as_of, age_limit_days))
        .then(positive)
        .otherwise(0)
        .sum()
        .alias("pos_aged"),
    )
    if payables is not None and payables.height:
        contras = payables.group_by("customer_id").agg(pl.col("amount_cents").sum().alias("contra"))
        summary = summary.join(contras, on="customer_id", how="left")
    else:
        summary = summary.with_columns(pl.lit(None, dtype=pl.Int64).alias("contra"))
    summary = summary.with_columns(pl.col("contra").fill_null(0)).sort("customer_id")
    return tuple(
        CustomerBalance(
            customer_id=row["customer_id"],
            customer_name=row["customer_name"],
            country=row["country"],
            affiliate=bool(row["affiliate"]),
            government=bool(row["government"]),
            invoice_count=int(row["invoice_count"]),
            gross=from_cents(row["gross"]),
            pos=from_cents(row["pos"]),
            pos_aged=from_cents(row["pos_aged"]),
            contra=from_cents(row["contra"]),
        )
        for row in summary.iter_rows(named=True)
    )


def _categories_before_concentration(
    c: CustomerBalance, rules: ReceivablesTerms
) -> dict[str, Decimal]:
    taken = dict.fromkeys(CATEGORIES, ZERO)
    if c.gross <= 0:
        return taken  # a credit balance counts as it is
    remaining = c.gross
    cross_aged = c.pos > 0 and c.pos_aged / c.pos >= rules.cross_age_pct
    wanted = {
        "affiliate": remaining if c.affiliate else ZERO,
        "government": remaining if c.government else ZERO,
        "foreign": remaining if c.country not in rules.eligible_countries else ZERO,
        "cross_aged": remaining if cross_aged else ZERO,
        "past_due": c.pos_aged,
        "contra": max(c.contra, ZERO),
    }
    for category, amount in wanted.items():
        take = min(remaining, amount)
        taken[category] = take
        remaining -= take
    return taken


def compute_receivables(
    customers: Iterable[CustomerBalance], rules: ReceivablesTerms
) -> ReceivablesResult:
    balances = list(customers)
    taken = [_categories_before_concentration(c, rules) for c in balances]
    remaining = [c.gross - sum(t.values(), ZERO) for c, t in zip(balances, taken, strict=True)]
    pool = sum(remaining, ZERO)  # E: credit balances included
    if pool > 0:
        for i, c in enumerate(balances):
            cap = cents(rules.concentration_limit(c.customer_id) * pool)
            if remaining[i] > cap:
                taken[i]["concentration"] = remaining[i] - cap
                remaining[i] = cap
    results = tuple(
        CustomerResult(c, t, r) for c, t, r in zip(balances, taken, remaining, strict=True)
    )
    eligible = sum(remaining, ZERO)
    return ReceivablesResult(
        gross=sum((c.gross for c in balances), ZERO),
        ineligible={k: sum((t[k] for t in taken), ZERO) for k in CATEGORIES},
        eligible=eligible,
        advance_rate=rules.advance_rate,
        availability=cents(eligible * rules.advance_rate),
        customers=results,
    )


def invoice_reason(
    *,
    amount: Decimal,
    days: int,
    age_limit_days: int,
    whole_balance: str | None,
    credit_balance: bool,
) -> str:
    """Why one item of a customer counts or not, given the engine's decision for its customer."""
    if credit_balance:
        return "credit_balance"
    if whole_balance is not None:
        return whole_balance
    if amount < 0:
        return "credit"
    if days > age_limit_days:
        return "past_due"
    return "eligible"
