"""The §10 JSON object of a borrowing base: money as two-decimal strings,
percentages as decimal fractions to four places ("0.1534")."""

from decimal import Decimal
from typing import Any

from abl.calc.borrowing_base import BorrowingBase
from abl.calc.inventory import categories as inventory_categories
from abl.calc.money import ZERO, cents, pct_display


def label(key: str) -> str:
    """The label a page shows for a figure or category key.

    >>> label("ineligible_receivables.cross_aged")
    'Cross aged'
    >>> label("work_in_process")
    'Work in process'
    """
    return key.split(".")[-1].replace("_", " ").capitalize()


def _money(amount: Decimal) -> str:
    return str(cents(amount))


def borrowing_base_json(bb: BorrowingBase) -> dict[str, Any]:
    inv = bb.inventory
    inv_categories = inventory_categories(bb.terms.inventory)
    return {
        "gross_receivables": _money(bb.receivables.gross),
        "ineligible_receivables": {k: _money(v) for k, v in bb.receivables.ineligible.items()},
        "eligible_receivables": _money(bb.receivables.eligible),
        "receivables_availability": _money(bb.receivables.availability),
        "gross_inventory": _money(inv.gross if inv else ZERO),
        "ineligible_inventory": {
            k: _money(inv.ineligible[k] if inv else ZERO) for k in inv_categories
        },
        "eligible_inventory": _money(inv.eligible if inv else ZERO),
        "inventory_advance_before_cap": _money(inv.advance_before_cap if inv else ZERO),
        "inventory_availability": _money(bb.inventory_availability),
        "reserves": _money(bb.reserves),
        "borrowing_base": _money(bb.borrowing_base),
        "line_cap": _money(bb.line_cap),
        "outstanding": _money(bb.outstanding),
        "excess_availability": _money(bb.excess_availability),
        "excess_availability_pct": str(pct_display(bb.excess_availability_pct)),
        "reporting_frequency": bb.reporting_frequency,
    }
