"""The covenant page of a facility: headroom over time (chart and table), projected breaches, the schedule ahead."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abl import business_date
from abl.access import signed_in_user
from abl.services.terms import parsed_terms
from covenants.calc.engine import NAMES, TITLES, UNITS
from covenants.calc.report import pct_text
from covenants.calc.requirements import schedule_ahead
from covenants.presenters import result_row
from covenants.services.queries import facility_for_covenant_page, tested_statements


def _required_text(covenant: str, value: Any) -> str:
    from abl.calc.money import money_text, ratio_display

    if value is None:
        return "—"
    return money_text(value) if UNITS[covenant] == "money" else str(ratio_display(value))


@login_required
def covenant_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Three queries of its own: the facility (with its terms and open cases) and the statements."""
    facility = facility_for_covenant_page(signed_in_user(request), pk)
    tested = tested_statements(facility)
    actuals = [t for t in tested if t.statement.kind == "actual"]
    projections = [t for t in tested if t.statement.kind == "projection"]
    today = business_date.today()
    history = []
    for t in actuals:
        by_name = {r.covenant: result_row(r) for r in t.results}
        history.append({"tested": t, "cells": [by_name.get(name) for name in NAMES]})
    chart = {
        "labels": [t.statement.period_end.isoformat() for t in actuals],
        "datasets": [
            {
                "label": TITLES[name],
                "data": [
                    _pct_number(next((r for r in t.results if r.covenant == name), None))
                    for t in actuals
                ],
            }
            for name in NAMES
        ],
    }
    schedule = []
    covenants = _newest_covenants(facility)
    if covenants is not None:
        for end, required in schedule_ahead(covenants, today):
            schedule.append({"date": end, "cells": [_required_text(n, required[n]) for n in NAMES]})
    context = {
        "facility": facility,
        "titles": [TITLES[n] for n in NAMES],
        "history": history,
        "chart": chart,
        "projected": [t for t in projections if t.failed and t.statement.period_end > today],
        "projections": projections,
        "schedule": schedule,
    }
    return render(request, "covenants/covenant_page.html", context)


def _newest_covenants(facility: Any) -> Any:
    """The covenants of the facility's newest terms (the key annotated by the page's query),
    read through the one parsed-terms cache; None when the facility has no terms."""
    pk = getattr(facility, "newest_terms_pk", None)
    if pk is None:
        return None
    return parsed_terms([(pk, facility.newest_terms_created_at)])[pk].covenants


def _pct_number(result: Any) -> float | None:
    """Headroom as a percentage for the chart (a drawing, not a figure: rounded to 2 places)."""
    if result is None or result.headroom_pct is None:
        return None
    return float(pct_text(result.headroom_pct).rstrip("%"))
