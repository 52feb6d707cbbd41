"""What the borrower's own figures say against the files': roll-forwards and ineligibles.

The page shows these, and certifying refuses a certificate whose differences
the borrower has not explained (`unexplained_differences`); both read them here.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from abl.calc.money import money_text
from abl.calc.receivables import CATEGORIES
from abl.calc.report import label
from abl.calc.rollforward import RollForward, inventory_rollforward, receivables_rollforward
from abl.models import Certificate

ZERO = Decimal("0")


@dataclass(frozen=True)
class ReportedDifference:
    category: str
    reported: Decimal
    computed: Decimal

    @property
    def difference(self) -> Decimal:
        """Computed − reported: positive when ABL Desk finds more ineligible than the borrower."""
        return self.computed - self.reported

    @property
    def label(self) -> str:
        return label(self.category)


def roll_forwards(certificate: Certificate, figures: dict[str, Any]) -> dict[str, RollForward]:
    """The receivables and inventory roll-forwards the borrower entered, against the files."""
    c = certificate
    result: dict[str, RollForward] = {}
    if c.ar_prior_balance is not None:
        result["receivables"] = receivables_rollforward(
            prior=c.ar_prior_balance,
            sales=c.ar_sales or ZERO,
            collections=c.ar_collections or ZERO,
            credits=c.ar_credits or ZERO,
            adjustments=c.ar_adjustments or ZERO,
            reported_total=Decimal(figures["gross_receivables"]),
        )
    if c.inv_prior_balance is not None:
        result["inventory"] = inventory_rollforward(
            prior=c.inv_prior_balance,
            purchases=c.inv_purchases or ZERO,
            cost_of_sales=c.inv_cost_of_sales or ZERO,
            adjustments=c.inv_adjustments or ZERO,
            reported_total=Decimal(figures.get("gross_inventory", "0")),
        )
    return result


def reported_differences(
    certificate: Certificate, figures: dict[str, Any]
) -> list[ReportedDifference]:
    """Each receivables category: the borrower's own ineligible against ABL Desk's."""
    if not certificate.reported_ineligibles:
        return []
    return [
        ReportedDifference(
            category,
            Decimal(certificate.reported_ineligibles.get(category, "0")),
            Decimal(figures["ineligible_receivables"].get(category, "0")),
        )
        for category in CATEGORIES
    ]


def unexplained_differences(certificate: Certificate, figures: dict[str, Any]) -> list[str]:
    """What the borrower must explain before certifying, in words; empty when all agree."""
    lines = [
        f"The {name} roll-forward differs from the file by {money_text(rf.difference)} (file − ledger)."
        for name, rf in roll_forwards(certificate, figures).items()
        if not rf.reconciles
    ]
    lines += [
        f"Your {d.label.lower()} ineligibles differ from ABL Desk's by {money_text(d.difference)} "
        "(computed − reported)."
        for d in reported_differences(certificate, figures)
        if d.difference
    ]
    return lines
