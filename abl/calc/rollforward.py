"""Roll-forwards: does the aging agree with the borrower's own ledger?

Receivables: prior balance + sales − collections − credits + adjustments should
equal the aging's total. Inventory: prior balance + purchases − cost of sales +
adjustments should equal the inventory file's total.

>>> ar = receivables_rollforward(prior=Decimal("100.00"), sales=Decimal("50.00"),
...     collections=Decimal("30.00"), credits=Decimal("5.00"), adjustments=Decimal("0.00"),
...     reported_total=Decimal("116.00"))
>>> ar.expected, ar.difference, ar.reconciles
(Decimal('115.00'), Decimal('1.00'), False)
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from abl.calc.money import cents


@dataclass(frozen=True)
class RollForward:
    expected: Decimal
    reported_total: Decimal
    difference: Decimal  # reported − expected

    @property
    def reconciles(self) -> bool:
        return self.difference == 0


def receivables_rollforward(
    *,
    prior: Decimal,
    sales: Decimal,
    collections: Decimal,
    credits: Decimal,
    adjustments: Decimal,
    reported_total: Decimal,
) -> RollForward:
    expected = cents(prior + sales - collections - credits + adjustments)
    return RollForward(expected, reported_total, cents(reported_total - expected))


def inventory_rollforward(
    *,
    prior: Decimal,
    purchases: Decimal,
    cost_of_sales: Decimal,
    adjustments: Decimal,
    reported_total: Decimal,
) -> RollForward:
    expected = cents(prior + purchases - cost_of_sales + adjustments)
    return RollForward(expected, reported_total, cents(reported_total - expected))


@dataclass(frozen=True)
class LineChange:
    key: str
    current: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.current - self.previous


def compare_figures(
    current: Mapping[str, object], previous: Mapping[str, object], keys: list[str]
) -> list[LineChange]:
    """Line-by-line change between two §10 figure objects (money as strings).

    Nested objects (ineligibles by category) compare as `parent.category`.
    """
    changes = []
    for key in keys:
        now, before = _lookup(current, key), _lookup(previous, key)
        changes.append(LineChange(key, now, before))
    return changes


def _lookup(figures: Mapping[str, object], key: str) -> Decimal:
    value: object = figures
    for part in key.split("."):
        value = value.get(part, "0") if isinstance(value, Mapping) else "0"
    return Decimal(str(value))
