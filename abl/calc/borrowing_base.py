"""Borrowing base, line cap and excess availability, §5 of the rules.

borrowing base = max(0, receivables availability + inventory availability − reserves);
line cap = min(commitment, borrowing base); excess availability = line cap −
outstanding; its percentage divides by the line cap (or the commitment, a
setting), 0 when that is 0.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from abl.calc.frequency import Frequency
from abl.calc.inventory import InventoryResult, compute_inventory
from abl.calc.loans import availability
from abl.calc.money import ZERO
from abl.calc.receivables import ReceivablesResult, compute_receivables, summarize_customers
from abl.calc.terms import FacilityTerms


@dataclass(frozen=True)
class BorrowingBase:
    terms: FacilityTerms
    receivables: ReceivablesResult
    inventory: InventoryResult | None
    reserves: Decimal
    borrowing_base: Decimal
    line_cap: Decimal
    outstanding: Decimal
    excess_availability: Decimal
    excess_availability_pct: Decimal  # unrounded; display with money.pct_display
    reporting_frequency: Frequency

    @property
    def inventory_availability(self) -> Decimal:
        return self.inventory.availability if self.inventory else ZERO


def over_advance(excess_availability: Decimal) -> Decimal:
    """How far the loans outstanding exceed the line cap: −excess when negative, else 0.

    >>> over_advance(Decimal("-250000.00"))
    Decimal('250000.00')
    >>> over_advance(Decimal("0.00"))
    Decimal('0.00')
    """
    return max(ZERO, -excess_availability)


def compute_borrowing_base(
    *,
    terms: FacilityTerms,
    receivables: ReceivablesResult,
    inventory: InventoryResult | None,
    outstanding: Decimal,
) -> BorrowingBase:
    reserves = terms.total_reserves
    inventory_availability = inventory.availability if inventory else ZERO
    base = max(ZERO, receivables.availability + inventory_availability - reserves)
    line_cap = min(terms.facility.commitment, base)
    figures = availability(
        borrowing_base=base,
        reserves=reserves,
        line_cap=line_cap,
        commitment=terms.facility.commitment,
        outstanding=outstanding,
        basis=terms.reporting.basis,
        threshold_pct=terms.reporting.threshold_pct,
    )
    return BorrowingBase(
        terms=terms,
        receivables=receivables,
        inventory=inventory,
        reserves=reserves,
        borrowing_base=base,
        line_cap=line_cap,
        outstanding=outstanding,
        excess_availability=figures.excess_availability,
        excess_availability_pct=figures.excess_availability_pct,
        reporting_frequency=figures.reporting_frequency,
    )


def compute_from_frames(
    *,
    terms: FacilityTerms,
    ar: pl.DataFrame,
    inventory: pl.DataFrame | None = None,
    payables: pl.DataFrame | None = None,
    as_of: date,
    outstanding: Decimal,
) -> BorrowingBase:
    """The whole certificate from the readers' frames: what the CLI, web and tasks call."""
    customers = summarize_customers(
        ar, payables, as_of=as_of, age_limit_days=terms.receivables.age_limit_days
    )
    return compute_borrowing_base(
        terms=terms,
        receivables=compute_receivables(customers, terms.receivables),
        inventory=compute_inventory(inventory, terms.inventory) if inventory is not None else None,
        outstanding=outstanding,
    )
