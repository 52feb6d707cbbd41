"""Money and percentages: the one place where amounts are rounded.

>>> cents(Decimal("1234.565"))
Decimal('1234.57')
>>> pct_display(Decimal("0.153449"))
Decimal('0.1534')
>>> money_text(Decimal("-1234.5"))
'(1,234.50)'
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_PCT_PLACES = Decimal("0.0001")  # a percentage to 2 places of a percent, as a fraction
_RATIO_PLACES = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Round a money amount to cents, half-up (§ preamble of the rules)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def from_cents(value: int) -> Decimal:
    """An exact integer number of cents as a two-decimal Decimal."""
    return (Decimal(value) / 100).quantize(CENT)


def to_cents(amount: Decimal) -> int:
    """A money amount as exact integer cents (rounded half-up first)."""
    return int(cents(amount) * 100)


def pct_display(fraction: Decimal) -> Decimal:
    """A percentage shown to 2 places of a percent: 0.153449 → 0.1534 (15.34%)."""
    return fraction.quantize(_PCT_PLACES, rounding=ROUND_HALF_UP)


def ratio_display(ratio: Decimal) -> Decimal:
    """A ratio shown to 2 places: 1.2549 → 1.25."""
    return ratio.quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal | str) -> str:
    """Money as every page and audit summary shows it: commas, cents, negatives in parentheses."""
    value = Decimal(str(amount))
    text = f"{abs(value):,.2f}"
    return f"({text})" if value < 0 else text
