"""Reading a terms file or stored terms into `FacilityTerms`, every problem with its key path.

>>> terms = load_terms_yaml(open("examples/innotrac/terms.yaml").read())  # doctest: +SKIP
>>> terms.receivables.advance_rate  # doctest: +SKIP
Decimal('0.85')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from abl.calc.due import WEEKDAYS
from abl.calc.fee_terms import parse_fees, parse_pricing
from abl.calc.terms.covenants import parse_covenants
from abl.calc.terms.model import (
    BASES,
    INVENTORY_CATEGORIES,
    FacilityInfo,
    FacilityTerms,
    InventoryTerms,
    Program,
    ReceivablesTerms,
    ReportingTerms,
    Reserve,
)
from abl.calc.termsfile import Section, TermsError, absent, exact_yaml


def load_terms_yaml(text: str) -> FacilityTerms:
    """The terms of a YAML file (§10), numbers exact; TermsError naming every bad key path."""
    return parse_terms(exact_yaml(text))


def parse_terms(data: Mapping[str, Any]) -> FacilityTerms:
    """Validate a terms mapping (from YAML or stored JSON); raise TermsError listing every problem."""
    problems: list[str] = []
    top = Section(
        data,
        "",
        problems,
        known=(
            "facility",
            "receivables",
            "inventory",
            "reserves",
            "reporting",
            "covenants",
            "fees",
            "pricing",
            "sources",
        ),
    )
    facility = _facility(top)
    receivables = _receivables(top)
    inventory = _inventory(top)
    reserves = _reserves(top)
    reporting = _reporting(top)
    covenants = parse_covenants(top)
    fees = parse_fees(top)
    pricing = parse_pricing(top)
    sources = top.section("sources", ("letter", "clauses", "amendments"), required=False)
    letter = sources.strings("letter") if sources else ()
    worded: dict[str, list[tuple[str, str]]] = {"clauses": [], "amendments": []}
    for key, found in worded.items():
        for path, words in sources.items(key) if sources else []:
            if not isinstance(words, str) or not words.strip():
                problems.append(f"sources.{key}.{path}: must be text")
            else:
                found.append((path, words.strip()))
    if (
        facility.terms_date != dt.date.min
        and facility.maturity_date != dt.date.min
        and (facility.maturity_date <= facility.terms_date)
    ):
        problems.append("facility.maturity_date: must be after facility.terms_date")
    if problems:
        raise TermsError(problems)
    return FacilityTerms(
        facility,
        receivables,
        inventory,
        reserves,
        reporting,
        covenants,
        fees,
        pricing,
        letter,
        tuple(worded["clauses"]),
        tuple(worded["amendments"]),
    )


# The columns that store them: Facility.slug and Organisation.name (a test checks they agree).
FACILITY_ID_LENGTH = 80
NAME_LENGTH = 200


def _facility(top: Section) -> FacilityInfo:
    s = top.section(
        "facility", ("id", "lender", "borrower", "commitment", "terms_date", "maturity_date")
    )
    s = s or absent("facility")
    ident = s.text("id", max_length=FACILITY_ID_LENGTH)
    if ident and not all(ch.isalnum() or ch in "-_" for ch in ident):
        top.problems.append("facility.id: letters, digits, '-' and '_' only")
    return FacilityInfo(
        id=ident,
        lender=s.text("lender", max_length=NAME_LENGTH),
        borrower=s.text("borrower", max_length=NAME_LENGTH),
        commitment=s.money("commitment"),
        terms_date=s.date("terms_date"),
        maturity_date=s.date("maturity_date"),
    )


def _receivables(top: Section) -> ReceivablesTerms:
    s = top.section(
        "receivables",
        (
            "advance_rate",
            "age_limit_days",
            "cross_age_pct",
            "concentration_limit_pct",
            "concentration_overrides",
            "eligible_countries",
        ),
    ) or absent("receivables")
    overrides = {
        name.strip().upper(): s.decimal_at(
            value, f"receivables.concentration_overrides.{name}", high="1"
        )
        for name, value in s.items("concentration_overrides")
    }
    countries = s.strings("eligible_countries", upper=True) or ("US",)
    for country in countries:
        if len(country) != 2 or not country.isalpha():
            top.problems.append(
                f"receivables.eligible_countries: {country!r} is not an ISO alpha-2 code"
            )
    return ReceivablesTerms(
        advance_rate=s.rate("advance_rate"),
        age_limit_days=s.integer("age_limit_days", required=False, default=90, low=1),
        cross_age_pct=s.rate("cross_age_pct", required=False, default="0.50"),
        concentration_limit_pct=s.rate("concentration_limit_pct", required=False, default="0.25"),
        concentration_overrides=overrides,
        eligible_countries=countries,
    )


def _inventory(top: Section) -> InventoryTerms:
    s = top.section(
        "inventory",
        (
            "advance_rate",
            "sublimit",
            "ineligible_categories",
            "approved_locations",
            "programs",
        ),
        required=False,
    ) or Section({}, "inventory", top.problems, known=())
    categories = (
        s.strings("ineligible_categories")
        if "ineligible_categories" in s.data
        else ("work_in_process",)
    )
    for category in categories:
        if category not in INVENTORY_CATEGORIES:
            top.problems.append(
                f"inventory.ineligible_categories: {category!r} is not one of {', '.join(INVENTORY_CATEGORIES)}"
            )
    programs = {}
    for name, value in s.items("programs"):
        p = Section(
            value,
            f"inventory.programs.{name}",
            top.problems,
            known=("advance_rate", "requires_consent", "consent_received"),
        )
        programs[name.strip().upper()] = Program(
            advance_rate=p.rate("advance_rate"),
            requires_consent=p.boolean("requires_consent", required=False),
            consent_received=p.boolean("consent_received", required=False),
        )
    return InventoryTerms(
        advance_rate=s.rate("advance_rate", required=bool(s.data), default="0"),
        sublimit=s.money("sublimit", required=bool(s.data)),
        ineligible_categories=categories,
        approved_locations=s.strings("approved_locations"),
        programs=programs,
    )


def _reserves(top: Section) -> tuple[Reserve, ...]:
    reserves = []
    for path, value in top.entries("reserves", required=False):
        r = Section(value, path, top.problems, known=("name", "amount", "reason"))
        reserves.append(
            Reserve(
                name=r.text("name"),
                amount=r.money("amount"),
                reason=r.text("reason", required=False),
            )
        )
    return tuple(reserves)


def _reporting(top: Section) -> ReportingTerms:
    s = top.section(
        "reporting",
        (
            "threshold_pct",
            "basis",
            "cure_days",
            "monthly_due_days",
            "weekly_due_weekday",
            "financials_due_days",
        ),
        required=False,
    ) or Section({}, "reporting", top.problems, known=())
    basis = s.text("basis", required=False, default="line_cap")
    if basis not in BASES:
        top.problems.append(f"reporting.basis: must be one of {', '.join(BASES)}")
    weekday = s.text("weekly_due_weekday", required=False, default="wednesday").lower()
    if weekday not in WEEKDAYS:
        top.problems.append("reporting.weekly_due_weekday: must be a day of the week")
    return ReportingTerms(
        threshold_pct=s.rate("threshold_pct", required=False, default="0.15"),
        basis=basis,
        cure_days=s.integer("cure_days", required=False, default=0),
        monthly_due_days=s.integer("monthly_due_days", required=False, default=15),
        weekly_due_weekday=weekday,
        financials_due_days=s.integer("financials_due_days", required=False, default=30),
    )
