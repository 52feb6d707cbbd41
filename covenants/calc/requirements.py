"""What each covenant requires on a date (§8): step schedules and the capex basket.

A requirement on a date between steps is the latest step on or before it; a
date before the first step has no requirement (the covenant is not yet in
force). Tangible net worth grows by `quarterly_increase` at each quarter end
after its last step.

>>> from abl.calc.terms.covenants import Step, TangibleNetWorth
>>> tnw = TangibleNetWorth(
...     schedule=(Step(dt.date(2003, 3, 31), Decimal("32500000.00")),
...               Step(dt.date(2003, 12, 31), Decimal("34000000.00"))),
...     quarterly_increase=Decimal("250000.00"),
...     deferred_tax_asset_is_intangible=False,
... )
>>> tangible_net_worth_required(tnw, dt.date(2003, 6, 30))
Decimal('32500000.00')
>>> tangible_net_worth_required(tnw, dt.date(2004, 3, 31))
Decimal('34250000.00')
>>> tangible_net_worth_required(tnw, dt.date(2004, 12, 31))
Decimal('35000000.00')
>>> tangible_net_worth_required(tnw, dt.date(2003, 3, 30)) is None
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from abl.calc.terms.covenants import CapexYear, Covenants, Step, TangibleNetWorth


def step_on(steps: Sequence[Step], on: dt.date) -> Step | None:
    """The latest step on or before the date, or None before the first."""
    found = None
    for step in steps:
        if step.date <= on:
            found = step
    return found


def quarter_end(year: int, quarter: int) -> dt.date:
    """The last day of a calendar quarter (1-4)."""
    month = quarter * 3
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def quarter_ends_between(after: dt.date, until: dt.date) -> list[dt.date]:
    """Quarter ends q with after < q <= until.

    >>> quarter_ends_between(dt.date(2003, 12, 31), dt.date(2004, 9, 30))
    [datetime.date(2004, 3, 31), datetime.date(2004, 6, 30), datetime.date(2004, 9, 30)]
    """
    ends: list[dt.date] = []
    year, quarter = after.year, (after.month - 1) // 3 + 1
    while True:
        end = quarter_end(year, quarter)
        if end > until:
            return ends
        if end > after:
            ends.append(end)
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def tangible_net_worth_required(terms: TangibleNetWorth, on: dt.date) -> Decimal | None:
    """The minimum on the date: its step, plus the quarterly increase after the last step."""
    step = step_on(terms.schedule, on)
    if step is None:
        return None
    last = terms.schedule[-1]
    if step is not last:
        return step.value
    return last.value + terms.quarterly_increase * len(quarter_ends_between(last.date, on))


def capex_year(years: Sequence[CapexYear], on: dt.date) -> CapexYear | None:
    """The fiscal year's basket (fiscal years are calendar years), or None when none is set."""
    return next((year for year in years if year.year == on.year), None)


def capex_allowed(
    year: CapexYear, *, new_business_capex_ytd: Decimal, approved_additional: Decimal
) -> Decimal:
    """The year's basket: limit + new-business capex up to its allowance + what the bank approved.

    >>> y = CapexYear(2003, Decimal("3000000.00"), Decimal("1000000.00"))
    >>> capex_allowed(y, new_business_capex_ytd=Decimal("1400000.00"), approved_additional=Decimal("0"))
    Decimal('4000000.00')
    >>> capex_allowed(y, new_business_capex_ytd=Decimal("600000.00"),
    ...               approved_additional=Decimal("250000.00"))
    Decimal('3850000.00')
    """
    carve_out = min(new_business_capex_ytd, year.new_business_allowance)
    return year.limit + carve_out + approved_additional


def schedule_ahead(
    covenants: Covenants, after: dt.date, *, quarters: int = 8
) -> list[tuple[dt.date, dict[str, Decimal | None]]]:
    """The requirements at each of the next quarter ends after `after` (the covenant page's schedule).

    Capital expenditures show the fiscal year's limit before the new-business
    allowance and the bank's approvals.

    >>> from abl.calc.terms.covenants import Covenants, Step, TangibleNetWorth
    >>> tnw = TangibleNetWorth((Step(dt.date(2003, 12, 31), Decimal("34000000")),), Decimal("250000"), False)
    >>> cov = Covenants(tnw, (Step(dt.date(2003, 12, 31), Decimal("1.75")),), (), ())
    >>> [(d.isoformat(), r["tangible_net_worth"]) for d, r in schedule_ahead(cov, dt.date(2003, 12, 31), quarters=2)]
    [('2004-03-31', Decimal('34250000')), ('2004-06-30', Decimal('34500000'))]
    """
    rows = []
    end = after
    for _ in range(quarters):
        end = quarter_ends_between(end, end + dt.timedelta(days=92))[0]
        fcc = step_on(covenants.fixed_charge_coverage, end)
        dtnw = step_on(covenants.debt_to_tangible_net_worth, end)
        year = capex_year(covenants.capital_expenditures, end)
        rows.append(
            (
                end,
                {
                    "tangible_net_worth": tangible_net_worth_required(
                        covenants.tangible_net_worth, end
                    ),
                    "fixed_charge_coverage": fcc.value if fcc else None,
                    "debt_to_tangible_net_worth": dtnw.value if dtnw else None,
                    "capital_expenditures": year.limit if year else None,
                },
            )
        )
    return rows
