"""Terms back to plain data: what `parse_terms` reads back equal (decimals as text, dates ISO)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from abl.calc.fee_terms import pricing_to_data
from abl.calc.terms.covenants import covenants_to_data
from abl.calc.terms.model import FacilityTerms


def terms_to_data(terms: FacilityTerms) -> dict[str, Any]:
    """JSON-ready data (decimals as strings, dates ISO) that parse_terms reads back equal."""
    data: dict[str, Any] = _plain(dataclasses.asdict(terms))
    data["sources"] = {"letter": data.pop("letter_paths")}
    clauses = data.pop("letter_clauses")
    if clauses:
        data["sources"]["clauses"] = dict(clauses)
    amendments = data.pop("amendments")
    if amendments:
        data["sources"]["amendments"] = dict(amendments)
    for key in ("covenants", "fees", "pricing"):
        if data[key] is None:
            del data[key]
    if "covenants" in data:
        data["covenants"] = covenants_to_data(data["covenants"])
    if "pricing" in data:
        data["pricing"] = pricing_to_data(data["pricing"])
    return data


def _plain(value: Any) -> Any:
    converters: dict[type, Callable[[Any], Any]] = {
        Decimal: str,
        dt.date: lambda d: d.isoformat(),
    }
    for kind, convert in converters.items():
        if isinstance(value, kind):
            return convert(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
