"""Covenant results and statement figures as pages and the certificate show them (text only)."""

from dataclasses import dataclass

from abl.calc.money import money_text
from covenants.calc.engine import CovenantResult
from covenants.calc.financials import LABELS
from covenants.calc.report import figure_text, pct_text
from covenants.models import CovenantTest, StatementVersion
from covenants.services.statements import FIGURES
from covenants.services.testing import results_of

STATUS_TEXT = {
    "passed": "Met",
    "at_risk": "Met, at risk",
    "failed": "Breached",
    "not_tested": "Not tested",
}


@dataclass(frozen=True)
class ResultRow:
    covenant: str
    title: str
    required: str
    actual: str
    status: str
    status_text: str
    headroom: str
    headroom_pct: str
    note: str


def result_row(result: CovenantResult) -> ResultRow:
    return ResultRow(
        covenant=result.covenant,
        title=result.title,
        required=figure_text(result, result.required),
        actual=figure_text(result, result.actual),
        status=result.status,
        status_text=STATUS_TEXT[result.status],
        headroom=figure_text(result, result.headroom),
        headroom_pct=pct_text(result.headroom_pct),
        note=result.note,
    )


def result_rows(test: CovenantTest | None) -> list[ResultRow]:
    return [] if test is None else [result_row(r) for r in results_of(test)]


def figure_rows(version: StatementVersion) -> list[tuple[str, str]]:
    return [(LABELS[name], money_text(getattr(version, name))) for name in FIGURES]
