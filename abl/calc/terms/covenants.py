"""Covenant terms (§8): the letter's step schedules and the capex basket, read from the terms.

A requirement on a date between steps is the latest step on or before it; the
tangible net worth minimum grows by `quarterly_increase` at each quarter end
after the last step.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from abl.calc.termsfile import Section, absent


@dataclass(frozen=True)
class Step:
    """A covenant requirement from `date` on (until the next step)."""

    date: dt.date
    value: Decimal


@dataclass(frozen=True)
class TangibleNetWorth:
    schedule: tuple[Step, ...]
    quarterly_increase: Decimal  # after the last step, added at each quarter end
    deferred_tax_asset_is_intangible: bool


@dataclass(frozen=True)
class CapexYear:
    year: int
    limit: Decimal
    new_business_allowance: Decimal


@dataclass(frozen=True)
class Covenants:
    tangible_net_worth: TangibleNetWorth
    fixed_charge_coverage: tuple[Step, ...]
    debt_to_tangible_net_worth: tuple[Step, ...]
    capital_expenditures: tuple[CapexYear, ...]


def schedule(section: Section, key: str, value_key: str) -> tuple[Step, ...]:
    steps = []
    for path, entry in section.entries(key):
        e = Section(entry, path, section.problems, known=("date", value_key))
        steps.append(Step(date=e.date("date"), value=e.decimal(value_key)))
    dates = [s.date for s in steps]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        section.problems.append(f"{section._key(key)}: dates must be in increasing order")
    return tuple(steps)


def parse_covenants(top: Section) -> Covenants | None:
    s = top.section(
        "covenants",
        (
            "tangible_net_worth",
            "fixed_charge_coverage",
            "debt_to_tangible_net_worth",
            "capital_expenditures",
        ),
        required=False,
    )
    if s is None:
        return None
    tnw = s.section(
        "tangible_net_worth", ("schedule", "quarterly_increase", "deferred_tax_asset_is_intangible")
    )
    # A missing covenant is one problem (reported above), not one more per key inside it.
    tnw = tnw or absent("covenants.tangible_net_worth")
    fcc = s.section("fixed_charge_coverage", ("schedule",)) or absent(
        "covenants.fixed_charge_coverage"
    )
    dtnw = s.section("debt_to_tangible_net_worth", ("schedule",)) or absent(
        "covenants.debt_to_tangible_net_worth"
    )
    capex = s.section("capital_expenditures", ("fiscal_years",)) or absent(
        "covenants.capital_expenditures"
    )
    years = []
    for path, entry in capex.entries("fiscal_years"):
        e = Section(entry, path, top.problems, known=("year", "limit", "new_business_allowance"))
        years.append(
            CapexYear(
                year=e.integer("year", low=1900),
                limit=e.money("limit"),
                new_business_allowance=e.money("new_business_allowance", required=False),
            )
        )
    return Covenants(
        tangible_net_worth=TangibleNetWorth(
            schedule=schedule(tnw, "schedule", "minimum"),
            quarterly_increase=tnw.money("quarterly_increase", required=False),
            deferred_tax_asset_is_intangible=tnw.boolean(
                "deferred_tax_asset_is_intangible", required=False
            ),
        ),
        fixed_charge_coverage=schedule(fcc, "schedule", "minimum"),
        debt_to_tangible_net_worth=schedule(dtnw, "schedule", "maximum"),
        capital_expenditures=tuple(years),
    )


def covenants_to_data(covenants: dict[str, Any]) -> dict[str, Any]:
    """The plain form of the covenants (dataclasses.asdict, decimals as text) in the file's shape."""
    data = dict(covenants)
    tnw = dict(data["tangible_net_worth"])
    tnw["schedule"] = [{"date": s["date"], "minimum": s["value"]} for s in tnw["schedule"]]
    data["tangible_net_worth"] = tnw
    for key, value_key in (
        ("fixed_charge_coverage", "minimum"),
        ("debt_to_tangible_net_worth", "maximum"),
    ):
        data[key] = {"schedule": [{"date": s["date"], value_key: s["value"]} for s in data[key]]}
    data["capital_expenditures"] = {"fiscal_years": data["capital_expenditures"]}
    return data


def with_step(steps: tuple[Step, ...], on: dt.date, value: Decimal) -> tuple[Step, ...]:
    """The schedule with the requirement from `on` set to `value` (a step replaced or added).

    >>> s = (Step(dt.date(2003, 3, 31), Decimal("32500000")), Step(dt.date(2003, 6, 30), Decimal("33000000")))
    >>> [str(x.value) for x in with_step(s, dt.date(2003, 3, 31), Decimal("31000000"))]
    ['31000000', '33000000']
    >>> [x.date.isoformat() for x in with_step(s, dt.date(2003, 4, 30), Decimal("31000000"))]
    ['2003-03-31', '2003-04-30', '2003-06-30']
    """
    kept = [step for step in steps if step.date != on]
    return tuple(sorted([*kept, Step(on, value)], key=lambda step: step.date))


def with_requirement(covenants: Covenants, covenant: str, on: dt.date, value: Decimal) -> Covenants:
    """The covenants with one requirement reset from `on` (an amendment).

    A capex reset sets the limit of `on`'s fiscal year (the new-business allowance stays).
    """
    if value < 0:
        raise ValueError("a requirement is not negative")
    if covenant == "tangible_net_worth":
        tnw = covenants.tangible_net_worth
        return dataclasses.replace(
            covenants,
            tangible_net_worth=dataclasses.replace(
                tnw, schedule=with_step(tnw.schedule, on, value)
            ),
        )
    if covenant == "fixed_charge_coverage":
        steps = with_step(covenants.fixed_charge_coverage, on, value)
        return dataclasses.replace(covenants, fixed_charge_coverage=steps)
    if covenant == "debt_to_tangible_net_worth":
        steps = with_step(covenants.debt_to_tangible_net_worth, on, value)
        return dataclasses.replace(covenants, debt_to_tangible_net_worth=steps)
    if covenant == "capital_expenditures":
        years = [y for y in covenants.capital_expenditures if y.year != on.year]
        old = next((y for y in covenants.capital_expenditures if y.year == on.year), None)
        allowance = old.new_business_allowance if old else Decimal("0.00")
        years.append(CapexYear(on.year, value, allowance))
        return dataclasses.replace(
            covenants, capital_expenditures=tuple(sorted(years, key=lambda y: y.year))
        )
    raise ValueError(f"no such covenant: {covenant!r}")
