"""How often the borrower reports, §6 of the rules.

Monthly while excess availability % is greater than the threshold (15%),
weekly when it is not: exactly 15.00% is weekly. Compared unrounded.

>>> reporting_frequency(Decimal("0.1500"), Decimal("0.15"))
'weekly'
>>> reporting_frequency(Decimal("0.150001"), Decimal("0.15"))
'monthly'
"""

from decimal import Decimal
from typing import Literal

Frequency = Literal["monthly", "weekly"]


def reporting_frequency(excess_availability_pct: Decimal, threshold_pct: Decimal) -> Frequency:
    return "monthly" if excess_availability_pct > threshold_pct else "weekly"
