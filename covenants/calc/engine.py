"""The covenant tests of §8: one result per covenant in force on a date.

A minimum passes when actual ≥ required, a maximum when actual ≤ required;
ratios are compared unrounded. Headroom is the room left (actual − required
for a minimum, required − actual for a maximum), in the covenant's units and
as a fraction of the requirement. A passing result whose headroom is within
the "at risk" band (a fraction of the requirement, the setting
ABL_COVENANT_AT_RISK_PCT, 0.10 by default) is at risk.

Worked example, Innotrac at 2003-03-31 with $33,000,000 of tangible net worth:

>>> from abl.calc.terms.covenants import Covenants, Step, TangibleNetWorth
>>> tnw = TangibleNetWorth((Step(dt.date(2003, 3, 31), Decimal("32500000.00")),),
...                        Decimal("250000.00"), False)
>>> cov = Covenants(tnw, (), (), ())
>>> zero = {name: Decimal("0.00") for name in FIELDS}
>>> f = Financials(**{**zero, "total_equity": Decimal("34000000.00"),
...                   "goodwill": Decimal("1000000.00"), "deferred_tax_asset": Decimal("500000.00")})
>>> [r] = evaluate(cov, dt.date(2003, 3, 31), f)
>>> r.required, r.actual, r.passed, r.headroom, r.at_risk
(Decimal('32500000.00'), Decimal('33000000.00'), True, Decimal('500000.00'), True)
>>> r.headroom_pct.quantize(Decimal("0.0001"))
Decimal('0.0154')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from abl.calc.terms.covenants import Covenants
from covenants.calc.financials import FIELDS, Financials
from covenants.calc.requirements import (
    capex_allowed,
    capex_year,
    step_on,
    tangible_net_worth_required,
)

DEFAULT_AT_RISK_PCT = Decimal("0.10")

Name = Literal[
    "tangible_net_worth",
    "fixed_charge_coverage",
    "debt_to_tangible_net_worth",
    "capital_expenditures",
]
NAMES: tuple[Name, ...] = (
    "tangible_net_worth",
    "fixed_charge_coverage",
    "debt_to_tangible_net_worth",
    "capital_expenditures",
)
TITLES: dict[str, str] = {
    "tangible_net_worth": "Minimum tangible net worth",
    "fixed_charge_coverage": "Fixed charge coverage (minimum)",
    "debt_to_tangible_net_worth": "Debt to tangible net worth (maximum)",
    "capital_expenditures": "Capital expenditures (maximum)",
}
UNITS: dict[str, Literal["money", "ratio"]] = {
    "tangible_net_worth": "money",
    "fixed_charge_coverage": "ratio",
    "debt_to_tangible_net_worth": "ratio",
    "capital_expenditures": "money",
}
BOUNDS: dict[str, Literal["minimum", "maximum"]] = {
    "tangible_net_worth": "minimum",
    "fixed_charge_coverage": "minimum",
    "debt_to_tangible_net_worth": "maximum",
    "capital_expenditures": "maximum",
}


@dataclass(frozen=True)
class CovenantResult:
    """One covenant on one date. Refuses to exist when its parts disagree.

    `actual` is None when the covenant cannot be measured: a fixed charge
    coverage whose fixed charges are not positive (not tested, so it passes),
    or a debt to tangible net worth whose divisor is not positive (it fails).
    """

    covenant: Name
    required: Decimal
    actual: Decimal | None
    tested: bool
    passed: bool
    headroom: Decimal | None
    headroom_pct: Decimal | None
    at_risk: bool
    note: str = ""

    def __post_init__(self) -> None:
        if self.actual is None:
            if self.headroom is not None or self.headroom_pct is not None or self.at_risk:
                raise ValueError(f"{self.covenant}: no headroom without an actual figure")
            if self.passed == self.tested:
                raise ValueError(f"{self.covenant}: unmeasured passes only when not tested")
            return
        room = (
            self.actual - self.required if self.bound == "minimum" else self.required - self.actual
        )
        if self.headroom != room:
            raise ValueError(f"{self.covenant}: headroom {self.headroom} is not {room}")
        if self.passed != (room >= 0):
            raise ValueError(f"{self.covenant}: passed disagrees with the headroom {room}")
        if self.at_risk and not self.passed:
            raise ValueError(f"{self.covenant}: a failed covenant is failed, not at risk")

    @property
    def bound(self) -> Literal["minimum", "maximum"]:
        return BOUNDS[self.covenant]

    @property
    def unit(self) -> Literal["money", "ratio"]:
        return UNITS[self.covenant]

    @property
    def title(self) -> str:
        return TITLES[self.covenant]

    @property
    def status(self) -> Literal["passed", "at_risk", "failed", "not_tested"]:
        if not self.tested:
            return "not_tested"
        if not self.passed:
            return "failed"
        return "at_risk" if self.at_risk else "passed"

    def covered_by(self, granted: CovenantResult) -> bool:
        """Whether a waiver, amendment or default granted on `granted` (the same covenant of the
        same period, as it stood then) still covers this result: it passes, or fails no worse.

        Worse is lower for a minimum, higher for a maximum; an unmeasurable failure (a debt to
        tangible net worth whose divisor is not positive) is worse than any measured one.
        """
        if self.covenant != granted.covenant:
            raise ValueError(f"{self.covenant} is not covered by a result of {granted.covenant}")
        if not self.tested or self.passed:
            return True
        if self.actual is None:
            return granted.actual is None
        if granted.actual is None:
            return True
        if self.bound == "minimum":
            return self.actual >= granted.actual
        return self.actual <= granted.actual


def measured(
    covenant: Name, required: Decimal, actual: Decimal, at_risk_pct: Decimal, note: str = ""
) -> CovenantResult:
    """A result from a measured actual figure, compared unrounded."""
    room = actual - required if BOUNDS[covenant] == "minimum" else required - actual
    pct = room / required if required != 0 else None
    passed = room >= 0
    at_risk = passed and pct is not None and pct <= at_risk_pct
    return CovenantResult(covenant, required, actual, True, passed, room, pct, at_risk, note)


def tangible_net_worth(financials: Financials, *, dta_is_intangible: bool) -> Decimal:
    """Equity − (goodwill + other intangibles [+ the deferred tax asset when the terms count it])."""
    f = financials
    intangibles = f.goodwill + f.other_intangibles
    if dta_is_intangible:
        intangibles += f.deferred_tax_asset
    return f.total_equity - intangibles


def evaluate(
    covenants: Covenants,
    on: dt.date,
    financials: Financials,
    *,
    at_risk_pct: Decimal = DEFAULT_AT_RISK_PCT,
) -> tuple[CovenantResult, ...]:
    """Every covenant in force on the date, in the order of §8."""
    f = financials
    results: list[CovenantResult] = []
    tnw = tangible_net_worth(
        f, dta_is_intangible=covenants.tangible_net_worth.deferred_tax_asset_is_intangible
    )
    required = tangible_net_worth_required(covenants.tangible_net_worth, on)
    if required is not None:
        results.append(measured("tangible_net_worth", required, tnw, at_risk_pct))
    fcc = step_on(covenants.fixed_charge_coverage, on)
    if fcc is not None:
        results.append(fixed_charge_coverage(f, fcc.value, at_risk_pct))
    dtnw = step_on(covenants.debt_to_tangible_net_worth, on)
    if dtnw is not None:
        results.append(debt_to_tangible_net_worth(f, tnw, dtnw.value, at_risk_pct))
    year = capex_year(covenants.capital_expenditures, on)
    if year is not None:
        allowed = capex_allowed(
            year,
            new_business_capex_ytd=f.new_business_capex_ytd,
            approved_additional=f.approved_additional_capex,
        )
        results.append(measured("capital_expenditures", allowed, f.capex_ytd, at_risk_pct))
    return tuple(results)


def fixed_charge_coverage(f: Financials, required: Decimal, at_risk_pct: Decimal) -> CovenantResult:
    """(EBITDA − unfinanced capex − cash taxes − distributions) ÷ (interest + scheduled principal).

    Fixed charges of zero or less cannot be covered badly: not tested.
    """
    charges = f.interest_expense + f.scheduled_principal
    if charges <= 0:
        note = "not tested: fixed charges are zero"
        return CovenantResult(
            "fixed_charge_coverage", required, None, False, True, None, None, False, note
        )
    cover = f.ebitda - f.unfinanced_capex - f.cash_taxes - f.distributions
    return measured("fixed_charge_coverage", required, cover / charges, at_risk_pct)


def debt_to_tangible_net_worth(
    f: Financials, tnw: Decimal, required: Decimal, at_risk_pct: Decimal
) -> CovenantResult:
    """(Total liabilities − subordinated debt) ÷ (tangible net worth + subordinated debt).

    A divisor of zero or less fails: there is no net worth to carry the debt.
    """
    divisor = tnw + f.subordinated_debt
    if divisor <= 0:
        note = "fails: tangible net worth plus subordinated debt is not positive"
        return CovenantResult(
            "debt_to_tangible_net_worth", required, None, True, False, None, None, False, note
        )
    ratio = (f.total_liabilities - f.subordinated_debt) / divisor
    return measured("debt_to_tangible_net_worth", required, ratio, at_risk_pct)


__all__ = ["FIELDS", "CovenantResult", "evaluate", "tangible_net_worth"]
