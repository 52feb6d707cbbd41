"""The §10 JSON of covenant results, and the figures as pages and certificates show them.

Money as two-decimal strings; ratios to four places in JSON (two on pages);
a figure that could not be measured is null.

>>> import datetime as dt
>>> from covenants.calc.engine import measured
>>> result = measured("fixed_charge_coverage", Decimal("1.25"), Decimal("1.24963"), Decimal("0.1"))
>>> result_json(result)
{'covenant': 'fixed_charge_coverage', 'required': '1.2500', 'actual': '1.2496', 'passed': False, 'headroom': '-0.0004', 'headroom_pct': '-0.0003'}
>>> figure_text(result, result.actual)
'1.25'
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from abl.calc.money import cents, money_text, pct_display, ratio_display
from covenants.calc.engine import UNITS, CovenantResult

_JSON_RATIO_PLACES = Decimal("0.0001")


def ratio_json(ratio: Decimal) -> str:
    """A ratio to four places, half-up, as --json prints it."""
    return str(ratio.quantize(_JSON_RATIO_PLACES, rounding=ROUND_HALF_UP))


def figure_json(covenant: str, value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(cents(value)) if UNITS[covenant] == "money" else ratio_json(value)


def result_json(result: CovenantResult) -> dict[str, Any]:
    """One covenant as `covenant_test --json` prints it (§10)."""
    return {
        "covenant": result.covenant,
        "required": figure_json(result.covenant, result.required),
        "actual": figure_json(result.covenant, result.actual),
        "passed": result.passed,
        "headroom": figure_json(result.covenant, result.headroom),
        "headroom_pct": None if result.headroom_pct is None else ratio_json(result.headroom_pct),
    }


def figure_text(result: CovenantResult, value: Decimal | None) -> str:
    """A figure for a page or certificate: money with commas and cents, ratios to two places."""
    if value is None:
        return "—"
    if result.unit == "money":
        return money_text(cents(value))
    return str(ratio_display(value))


def requirement_text(covenant: str, value: Decimal) -> str:
    """A requirement in words, as the terms show it: dollars, or a ratio to two places."""
    if UNITS[covenant] == "money":
        return f"${money_text(cents(value))}"
    return str(ratio_display(value))


def pct_text(fraction: Decimal | None) -> str:
    """Headroom as a percentage of the requirement, to two places of a percent: '9.49%'."""
    if fraction is None:
        return "—"
    return f"{pct_display(fraction) * 100:.2f}%"


def result_to_data(result: CovenantResult) -> dict[str, Any]:
    """A result as stored (JSON): exact decimals as strings, nothing rounded."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "covenant": result.covenant,
        "required": text(result.required),
        "actual": text(result.actual),
        "tested": result.tested,
        "passed": result.passed,
        "headroom": text(result.headroom),
        "headroom_pct": text(result.headroom_pct),
        "at_risk": result.at_risk,
        "note": result.note,
    }


def result_from_data(data: dict[str, Any]) -> CovenantResult:
    """A stored result back as the engine made it (it checks its own arithmetic again).

    >>> from covenants.calc.engine import measured
    >>> r = measured("tangible_net_worth", Decimal("32500000.00"), Decimal("33000000.00"), Decimal("0.1"))
    >>> result_from_data(result_to_data(r)) == r
    True
    """

    def number(key: str) -> Decimal | None:
        value = data.get(key)
        return None if value is None else Decimal(value)

    required = number("required")
    assert required is not None
    return CovenantResult(
        covenant=data["covenant"],
        required=required,
        actual=number("actual"),
        tested=bool(data["tested"]),
        passed=bool(data["passed"]),
        headroom=number("headroom"),
        headroom_pct=number("headroom_pct"),
        at_risk=bool(data["at_risk"]),
        note=data.get("note", ""),
    )
