"""The portfolio dashboard's rows as HTML, formatted in Python.

A page of fifty facilities has some eight hundred cells. Rendered cell by cell
through the template language, then through `format_html`, they took most of
the request (bench/bench_dashboard.py); here each row is one f-string over
values read with `.values()`. Every text that comes from data is escaped
(`html.escape`: names, covenant titles, labels); the rest are numbers and dates
formatted by the same functions as the templates' filters (`abl.templatetags.abl_format`).
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from abl.templatetags.abl_format import money, percent
from covenants.calc.engine import TITLES
from reporting.calc.position import EXCEPTION_LABELS
from reporting.models.cadence import FREQUENCY_CHOICES
from reporting.models.position import COVENANT_STATUS_CHOICES

DASH = "—"
FREQUENCIES = dict(FREQUENCY_CHOICES)
COVENANT_STATUSES = dict(COVENANT_STATUS_CHOICES)
# The stored line's columns a row shows (FacilityPosition), read as `position__<name>`.
COLUMNS = [
    "as_of",
    "commitment",
    "borrowing_base",
    "outstanding",
    "excess_availability",
    "excess_availability_pct",
    "utilisation",
    "over_advanced",
    "next_certificate_due",
    "overdue_items",
    "overdue_since",
    "tightest_headroom_pct",
    "tightest_covenant",
    "projected_breaches",
    "fees_this_month",
    "exception_count",
    "frequency",
    "certificate_stale",
    "covenant_status",
]
NOT_MEASURED = (
    '<td colspan="14" class="text-muted">Its figures appear after the next refresh '
    "(an action on it, or the nightly close).</td>"
)


def day(value: dt.date | None) -> str:
    return DASH if value is None else value.isoformat()


def _charts_url() -> str:
    """The facility charts URL with a placeholder for the id: reversed once per page."""
    return reverse("facility_charts", args=[0]).replace("/0/", "/{}/")


def portfolio_rows(lines: Iterable[Mapping[str, Any]], *, on: dt.date) -> SafeString:
    """The table's rows: each line holds `pk`, `name` and the stored line's COLUMNS as
    `position__<column>` (all None when the facility has no line yet)."""
    url = _charts_url()
    return mark_safe("".join(_row(line, on=on, url=url) for line in lines))  # noqa: S308


def _row(line: Mapping[str, Any], *, on: dt.date, url: str) -> str:
    p = {name: line[f"position__{name}"] for name in COLUMNS}
    link = f'<a href="{url.format(int(line["pk"]))}">{escape(line["name"])}</a>'
    if p["as_of"] is None:
        badge = '<span class="badge text-bg-secondary">not measured yet</span>'
        return f'<tr data-testid="position-row"><td>{link} {badge}</td>{NOT_MEASURED}</tr>'
    if p["as_of"] != on:
        link += f' <span class="badge text-bg-warning">as of {day(p["as_of"])}</span>'
    overdue = "0"
    if p["overdue_items"]:
        overdue = (
            f'<span class="text-danger">{int(p["overdue_items"])} since '
            f"{day(p['overdue_since'])}</span>"
        )
    headroom = DASH
    if p["tightest_headroom_pct"] is not None:
        title = escape(TITLES.get(p["tightest_covenant"], p["tightest_covenant"]))
        headroom = (
            f'{percent(p["tightest_headroom_pct"])} <span class="small text-muted">{title}</span>'
        )
    stale = ' <span class="badge text-bg-danger">stale</span>' if p["certificate_stale"] else ""
    danger = " text-danger" if p["over_advanced"] else ""
    return (
        f'<tr data-testid="position-row"><td>{link}</td>'
        f'<td class="money">{money(p["commitment"])}</td>'
        f'<td class="money">{money(p["borrowing_base"])}</td>'
        f'<td class="money">{money(p["outstanding"])}</td>'
        f'<td class="money{danger}">{money(p["excess_availability"])}</td>'
        f'<td class="money">{percent(p["excess_availability_pct"])}</td>'
        f'<td class="money">{percent(p["utilisation"])}</td>'
        f'<td class="text-end">{day(p["next_certificate_due"])}</td>'
        f'<td class="text-end">{overdue}</td>'
        f'<td class="text-end">{headroom}</td>'
        f'<td class="text-end">{int(p["projected_breaches"])}</td>'
        f'<td class="money">{money(p["fees_this_month"])}</td>'
        f'<td class="text-end">{int(p["exception_count"])}</td>'
        f"<td>{escape(FREQUENCIES.get(p['frequency'], DASH))}{stale}</td>"
        f"<td>{escape(COVENANT_STATUSES.get(p['covenant_status'], DASH))}</td></tr>"
    )


def exception_rows(lines: Iterable[Mapping[str, Any]]) -> SafeString:
    """The exceptions list's rows: each line is a FacilityPosition's values."""
    url = _charts_url()
    rows = []
    for line in lines:
        badges = "".join(
            f'<span class="badge text-bg-danger me-1">{escape(EXCEPTION_LABELS[kind])}</span>'
            for kind in line["exceptions"]
            if kind in EXCEPTION_LABELS
        )
        rows.append(
            f'<tr data-testid="exception-row"><td><a href="{url.format(int(line["facility_id"]))}">'
            f"{escape(line['name'])}</a></td><td>{badges}</td>"
            f'<td class="money">{money(line["excess_availability"])}</td>'
            f"<td>{day(line['overdue_since'])}</td>"
            f"<td>{escape(COVENANT_STATUSES.get(line['covenant_status'], DASH))}</td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308
