"""The §8 financial figures of one test date, read exactly and checked.

Balances are at the date; flows (EBITDA, unfinanced capex, cash taxes,
distributions, interest expense, scheduled principal) are for the twelve
months ending on it; capex figures are for the fiscal year to date.

>>> f = parse_financials({**{name: "0" for name in FIELDS}, "total_equity": "35000000.00"})
>>> f.total_equity
Decimal('35000000.00')
>>> parse_financials({**{name: "0" for name in FIELDS}, "total_equity": 1.5})
Traceback (most recent call last):
...
covenants.calc.financials.FinancialsError: total_equity: 1.5 is not an exact decimal (write it as a string, e.g. "1.50")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

from abl.calc.money import from_cents

CENT = Decimal("0.01")


class FinancialsError(ValueError):
    """The figures are not valid; `problems` lists each, naming its field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Financials:
    """The figures of §8, money in dollars and cents."""

    total_equity: Decimal
    goodwill: Decimal
    other_intangibles: Decimal
    deferred_tax_asset: Decimal
    total_liabilities: Decimal
    subordinated_debt: Decimal
    ebitda: Decimal
    unfinanced_capex: Decimal
    cash_taxes: Decimal
    distributions: Decimal
    interest_expense: Decimal
    scheduled_principal: Decimal
    capex_ytd: Decimal
    new_business_capex_ytd: Decimal
    approved_additional_capex: Decimal

    def __post_init__(self) -> None:
        problems = consistency_problems(self)
        if problems:
            raise FinancialsError(problems)


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Financials))

# Figures that may be negative: equity (a deficit), EBITDA (a loss), cash taxes (a refund).
SIGNED = frozenset({"total_equity", "ebitda", "cash_taxes"})

LABELS: dict[str, str] = {
    "total_equity": "Total equity",
    "goodwill": "Goodwill",
    "other_intangibles": "Other intangibles",
    "deferred_tax_asset": "Deferred tax asset",
    "total_liabilities": "Total liabilities",
    "subordinated_debt": "Subordinated debt",
    "ebitda": "EBITDA (12 months)",
    "unfinanced_capex": "Unfinanced capex (12 months)",
    "cash_taxes": "Cash taxes (12 months)",
    "distributions": "Distributions (12 months)",
    "interest_expense": "Interest expense (12 months)",
    "scheduled_principal": "Scheduled principal (12 months)",
    "capex_ytd": "Capex, fiscal year to date",
    "new_business_capex_ytd": "New-business capex, fiscal year to date",
    "approved_additional_capex": "Bank-approved additional capex",
}


def consistency_problems(f: Financials) -> list[str]:
    problems = []
    for name in FIELDS:
        value = getattr(f, name)
        if name not in SIGNED and value < 0:
            problems.append(f"{name}: must not be negative")
        if value != value.quantize(CENT):
            problems.append(f"{name}: at most 2 decimal places")
    if f.subordinated_debt > f.total_liabilities:
        problems.append("subordinated_debt: must not be more than total_liabilities")
    if f.new_business_capex_ytd > f.capex_ytd:
        problems.append("new_business_capex_ytd: must not be more than capex_ytd")
    return problems


def parse_amount(name: str, value: object, problems: list[str]) -> Decimal:
    """One figure: a string read by the one amount parser (abl.readers.parse_amount, as
    forms, commands and files read amounts), or a whole number; never a float, which has
    lost exactness."""
    from abl.readers import parse_amount as read_amount  # polars: only when a figure is read

    if isinstance(value, float):
        problems.append(
            f'{name}: {value!r} is not an exact decimal (write it as a string, e.g. "{value:.2f}")'
        )
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        problems.append(f"{name}: {value!r} is not a decimal string")
        return Decimal(0)
    try:
        return from_cents(read_amount(f"{value:f}" if isinstance(value, Decimal) else str(value)))
    except ValueError as error:
        problems.append(f"{name}: {error}")
        return Decimal(0)


def parse_financials(
    data: Mapping[str, object], *, optional: frozenset[str] = frozenset()
) -> Financials:
    """The figures from a mapping of field → decimal string; FinancialsError names every bad field.

    Fields in `optional` default to zero when absent (the statement form leaves
    `approved_additional_capex` to the bank's approvals).
    """
    if not isinstance(data, Mapping):
        raise FinancialsError(["the financials must be one JSON object of figures"])
    problems: list[str] = []
    for key in data:
        if key not in FIELDS:
            problems.append(f"{key}: unknown field")
    values: dict[str, Decimal] = {}
    for name in FIELDS:
        if name not in data or data[name] is None:
            if name not in optional:
                problems.append(f"{name}: required")
            values[name] = Decimal("0.00")
            continue
        values[name] = parse_amount(name, data[name], problems)
    if problems:
        raise FinancialsError(problems)
    return Financials(**values)


def financials_to_data(financials: Financials) -> dict[str, str]:
    """The plain form: field → two-decimal string (how they are stored and printed)."""
    return {name: f"{getattr(financials, name):.2f}" for name in FIELDS}
