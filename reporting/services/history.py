"""A facility over time, for its charts: availability and outstanding at each approved
certificate as approved, ineligibles by category, covenant headroom by statement. Three queries."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from abl.calc.report import label
from abl.models import Certificate, Facility
from covenants.calc.report import result_from_data
from covenants.models import FinancialStatement
from reporting.calc.charts import Chart, line_chart


@dataclass(frozen=True)
class Panel:
    """A chart and the table beside it: one row per date, one column per series."""

    title: str
    chart: Chart
    columns: list[str]
    rows: list[tuple[dt.date, list[Decimal | None]]]
    unit: str  # "money" or "percent"


@dataclass(frozen=True)
class FacilityHistory:
    availability: Panel
    ineligibles: Panel
    headroom: Panel
    latest_certificate: Certificate | None


def facility_history(facility: Facility) -> FacilityHistory:
    certificates = list(
        Certificate.objects.filter(facility=facility, status=Certificate.Status.APPROVED)
        .order_by("as_of", "reviewed_at")
        .values_list("pk", "as_of", "approved__figures")
    )
    by_date = {as_of: figures for _, as_of, figures in certificates}  # the last of a day counts
    dates = sorted(by_date)
    # §7: each point is its certificate as approved; an entry valued into its period later
    # (a month's fees, a late repayment) does not move it. The ledger's balance on a date is
    # `abl.calc.loans.balances_on`; a past point does not ask it again.
    availability = {
        name: [Decimal(by_date[d][key]) for d in dates]
        for name, key in (
            ("Line cap", "line_cap"),
            ("Outstanding", "outstanding"),
            ("Excess availability", "excess_availability"),
        )
    }
    ineligibles = _ineligibles(dates, by_date)
    periods, headroom = _headroom(facility)
    latest = (
        Certificate.objects.filter(pk=certificates[-1][0]).select_related("approved").first()
        if certificates
        else None
    )
    return FacilityHistory(
        availability=_panel("Availability and outstanding", dates, availability, "money"),
        ineligibles=_panel("Ineligibles by category", dates, ineligibles, "money"),
        headroom=_panel("Covenant headroom", periods, headroom, "percent"),
        latest_certificate=latest,
    )


def _panel(
    title: str, dates: list[dt.date], series: Mapping[str, Sequence[Decimal | None]], unit: str
) -> Panel:
    rows = [(d, [values[i] for values in series.values()]) for i, d in enumerate(dates)]
    return Panel(title, line_chart(dates, series, unit=unit), list(series), rows, unit)


def _ineligibles(
    dates: list[dt.date], by_date: dict[dt.date, dict[str, Any]]
) -> dict[str, list[Decimal | None]]:
    """One series per category (receivables, then inventory), zero where a date has none."""
    series: dict[str, list[Decimal | None]] = {}
    for side, title in (("ineligible_receivables", "AR"), ("ineligible_inventory", "Inventory")):
        keys = dict.fromkeys(k for d in dates for k in (by_date[d].get(side) or {}))
        for key in keys:
            series[f"{title}: {label(key)}"] = [
                Decimal((by_date[d].get(side) or {}).get(key, "0")) for d in dates
            ]
    return series


def _headroom(facility: Facility) -> tuple[list[dt.date], dict[str, list[Decimal | None]]]:
    """Each measured covenant's headroom (a fraction of its requirement) per actual statement."""
    statements = (
        FinancialStatement.objects.filter(
            facility=facility,
            kind=FinancialStatement.Kind.ACTUAL,
            current__latest_test__isnull=False,
        )
        .order_by("period_end")
        .values_list("period_end", "current__latest_test__results")
    )
    periods: list[dt.date] = []
    found: dict[str, dict[dt.date, Decimal | None]] = {}
    for period_end, results in statements:
        periods.append(period_end)
        for result in map(result_from_data, results):
            found.setdefault(result.title, {})[period_end] = result.headroom_pct
    return periods, {name: [by.get(p) for p in periods] for name, by in found.items()}
