"""Aging buckets of receivables (§12): days past invoice date as of the certificate's date.

The one bucketing rule: the certificate's XLSX uses it for its summary and its
invoice sheet; collateral analytics use it for their buckets.

>>> aging_bucket(0), aging_bucket(30), aging_bucket(31), aging_bucket(120), aging_bucket(121)
('0-30', '0-30', '31-60', '91-120', 'over_120')
>>> aging = age_receivables([(10, 10_000), (45, 2_550), (200, -500)])
>>> aging.amounts["0-30"], aging.amounts["31-60"], aging.amounts["over_120"], aging.total
(Decimal('100.00'), Decimal('25.50'), Decimal('-5.00'), Decimal('120.50'))
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from abl.calc.money import from_cents

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "over_120")
_UPPER = (30, 60, 90, 120)  # the last day of each bucket but the last


def aging_bucket(days: int) -> str:
    """The bucket of an item `days` past its invoice date (0 is the as-of date itself).

    An aging holds no item dated after its as-of date (§2; the readers refuse
    one), so negative days are refused here too.
    """
    if days < 0:
        raise ValueError(f"an item dated {-days} days after the as-of date has no aging bucket")
    for bucket, last in zip(BUCKETS, _UPPER, strict=False):
        if days <= last:
            return bucket
    return BUCKETS[-1]


@dataclass(frozen=True)
class Aging:
    """Receivables by bucket, in cents, and their total; the buckets add up to the total."""

    cents: dict[str, int]
    total_cents: int
    amounts: dict[str, Decimal] = field(init=False)

    def __post_init__(self) -> None:
        if tuple(self.cents) != BUCKETS:
            raise ValueError(f"aging buckets must be {BUCKETS}, not {tuple(self.cents)}")
        if sum(self.cents.values()) != self.total_cents:
            raise ValueError("the aging buckets do not add up to the total")
        object.__setattr__(self, "amounts", {b: from_cents(c) for b, c in self.cents.items()})

    @property
    def total(self) -> Decimal:
        return from_cents(self.total_cents)


def age_receivables(items: Iterable[tuple[int, int]]) -> Aging:
    """Each (days past invoice date, amount in cents) added to its bucket; credits included,
    so the buckets sum to the gross receivables."""
    cents = dict.fromkeys(BUCKETS, 0)
    total = 0
    for days, amount in items:
        cents[aging_bucket(days)] += amount
        total += amount
    return Aging(cents, total)
