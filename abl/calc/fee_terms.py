"""Fee and pricing terms (§9), read from the terms: what the fee ledger charges.

The letter gives the fees; it does not give the December pricing matrix, whose
levels in the Innotrac terms are placeholders (`given_by_letter: false`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from abl.calc.termsfile import Section, absent


@dataclass(frozen=True)
class FieldExamFee:
    typical: Decimal
    max_per_year: int


@dataclass(frozen=True)
class Fees:
    monthly_monitoring: Decimal
    online_setup: Decimal
    field_exam: FieldExamFee


@dataclass(frozen=True)
class PricingLevel:
    up_to: Decimal | None  # the measured ratio at most this (None: any higher)
    margin: Decimal


@dataclass(frozen=True)
class Pricing:
    given_by_letter: bool
    base_rate: str
    measured_by: str
    day_count: str
    levels: tuple[PricingLevel, ...]


def parse_fees(top: Section) -> Fees | None:
    s = top.section("fees", ("monthly_monitoring", "online_setup", "field_exam"), required=False)
    if s is None:
        return None
    exam = s.section("field_exam", ("typical", "max_per_year")) or absent("fees.field_exam")
    return Fees(
        monthly_monitoring=s.money("monthly_monitoring"),
        online_setup=s.money("online_setup"),
        field_exam=FieldExamFee(
            typical=exam.money("typical"), max_per_year=exam.integer("max_per_year")
        ),
    )


def parse_pricing(top: Section) -> Pricing | None:
    s = top.section(
        "pricing",
        ("given_by_letter", "base_rate", "measured_by", "day_count", "levels"),
        required=False,
    )
    if s is None:
        return None
    levels = []
    for path, entry in s.entries("levels"):
        e = Section(entry, path, top.problems, known=("up_to", "margin"))
        up_to = e.decimal("up_to", required=False, default="-1")
        levels.append(
            PricingLevel(
                up_to=None if up_to == Decimal(-1) else up_to, margin=e.decimal("margin", high="1")
            )
        )
    return Pricing(
        given_by_letter=s.boolean("given_by_letter"),
        base_rate=s.text("base_rate"),
        measured_by=s.text("measured_by"),
        day_count=s.text("day_count", required=False, default="actual/360"),
        levels=tuple(levels),
    )


def pricing_to_data(pricing: dict[str, Any]) -> dict[str, Any]:
    """The plain form of the pricing in the file's shape: the open-ended level has no `up_to`."""
    levels = [
        {k: v for k, v in level.items() if not (k == "up_to" and v is None)}
        for level in pricing["levels"]
    ]
    return {**pricing, "levels": levels}
