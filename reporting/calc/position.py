"""What the portfolio dashboard says of one facility: its exceptions, covenant standing, utilisation.

Pure rules over figures other rules produced (live availability, the due
calendar, the covenant tests); reporting/services/positions.py gathers them.

>>> exceptions_of(over_advanced=True, in_default=False, open_breaches=0,
...               overdue_items=2, certificate_stale=False)
['over_advanced', 'late_report']
>>> utilisation(Decimal("9000000.00"), Decimal("12000000.00"))
Decimal('0.75')
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from covenants.calc.engine import CovenantResult

# Worst first: the dashboard's exceptions list shows them in this order.
EXCEPTION_LABELS = {
    "in_default": "Event of default",
    "over_advanced": "Over-advanced",
    "breach": "Covenant breach",
    "late_report": "Late report",
    "stale_certificate": "Stale certificate",
}


def exceptions_of(
    *,
    over_advanced: bool,
    in_default: bool,
    open_breaches: int,
    overdue_items: int,
    certificate_stale: bool,
) -> list[str]:
    """The facility's exceptions: over-advanced (outstanding above the line cap), in default,
    an open covenant breach, a report past its due date, a stale certificate."""
    present = {
        "in_default": in_default,
        "over_advanced": over_advanced,
        "breach": open_breaches > 0,
        "late_report": overdue_items > 0,
        "stale_certificate": certificate_stale,
    }
    return [kind for kind in EXCEPTION_LABELS if present[kind]]


def utilisation(outstanding: Decimal, line_cap: Decimal | None) -> Decimal | None:
    """Outstanding ÷ line cap (the lesser of borrowing base less reserves and the commitment):
    above 1 is over-advanced. None without a line cap, or when it is zero."""
    if line_cap is None or line_cap <= 0:
        return None
    return outstanding / line_cap


@dataclass(frozen=True)
class CovenantStanding:
    status: str  # "breached", "at_risk", "met", "not_tested"
    tightest: str  # the covenant with the least headroom, "" when none was measured
    tightest_headroom_pct: Decimal | None


def covenant_standing(results: Iterable[CovenantResult], *, open_breaches: int) -> CovenantStanding:
    """The newest actual statement's results: breached when one failed or a breach case is open,
    at risk when one passed within the at-risk margin, met when tested; the tightest is the
    measured covenant with the least headroom as a fraction of its requirement."""
    results = list(results)
    measured = [r for r in results if r.headroom_pct is not None]
    tightest = min(measured, key=lambda r: r.headroom_pct or Decimal(0), default=None)
    statuses = {r.status for r in results}
    if open_breaches > 0 or "failed" in statuses:
        status = "breached"
    elif "at_risk" in statuses:
        status = "at_risk"
    elif "passed" in statuses:
        status = "met"
    else:
        status = "not_tested"
    return CovenantStanding(
        status=status,
        tightest=tightest.covenant if tightest is not None else "",
        tightest_headroom_pct=tightest.headroom_pct if tightest is not None else None,
    )
