"""A terms version as a CFO reads it: sections, plain labels, money and percentages, small tables.

Each row says whether the lender's letter gives it (the version's `sources.letter`)
and, where the terms file quotes the letter (`sources.clauses`), the letter's own words;
a term the bank amended since (`sources.amendments`) says so instead, with the amendment.
"""

from dataclasses import dataclass, field
from typing import Any

from abl.models import TermsVersion
from abl.templatetags.abl_format import money, percent

CATEGORY_WORDS = {
    "raw_materials": "raw materials",
    "work_in_process": "work in process",
    "finished_goods": "finished goods",
}


@dataclass(frozen=True)
class Row:
    path: str
    label: str
    value: str = ""
    table: tuple[tuple[str, ...], list[tuple[str, ...]]] | None = None
    from_letter: bool = False
    clause: str = ""
    amendment: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    note: str = ""


def dollars(value: Any) -> str:
    return f"${money(value)}"


def ratio(value: Any) -> str:
    return f"{value} : 1"


def terms_sections(version: TermsVersion) -> list[Section]:
    """The version's terms in sections, every value formatted, letter terms marked."""
    data = version.data
    clauses = dict((data.get("sources") or {}).get("clauses") or {})

    def row(path: str, label: str, value: str = "", table: Any = None) -> Row:
        if amendment := version.amendment_of(path):
            return Row(path, label, value, table, amendment=amendment)
        return Row(path, label, value, table, version.is_from_letter(path), clauses.get(path, ""))

    sections = [
        _facility(data["facility"], row),
        _receivables(data["receivables"], row),
        _inventory(data["inventory"], row),
        _reserves(data.get("reserves") or [], row),
        _reporting(data["reporting"], row),
    ]
    if data.get("covenants"):
        sections.append(_covenants(data["covenants"], row))
    if data.get("fees"):
        sections.append(_fees(data["fees"], row))
    if data.get("pricing"):
        sections.append(_pricing(data["pricing"], row))
    return sections


def _facility(f: dict[str, Any], row: Any) -> Section:
    return Section(
        "The facility",
        [
            row("facility.lender", "Lender", f["lender"]),
            row("facility.borrower", "Borrower", f["borrower"]),
            row("facility.commitment", "Commitment (the revolving line)", dollars(f["commitment"])),
            row("facility.terms_date", "Date of the terms", f["terms_date"]),
            row("facility.maturity_date", "Maturity", f["maturity_date"]),
        ],
    )


def _receivables(r: dict[str, Any], row: Any) -> Section:
    overrides = r.get("concentration_overrides") or {}
    return Section(
        "Receivables",
        [
            row(
                "receivables.advance_rate",
                "Advance rate on eligible receivables",
                percent(r["advance_rate"]),
            ),
            row(
                "receivables.age_limit_days",
                "An invoice is ineligible when older than",
                f"{r['age_limit_days']} days from its invoice date",
            ),
            row(
                "receivables.cross_age_pct",
                "A customer is wholly ineligible (cross-aged) when past the age limit by",
                f"{percent(r['cross_age_pct'])} of its balance or more",
            ),
            row(
                "receivables.concentration_limit_pct",
                "Concentration limit: no customer counts for more than",
                f"{percent(r['concentration_limit_pct'])} of eligible receivables",
            ),
            row(
                "receivables.concentration_overrides",
                "Concentration limits for named customers",
                "" if overrides else "none",
                table=(("Customer", "Limit"), [(c, percent(p)) for c, p in overrides.items()])
                if overrides
                else None,
            ),
            row(
                "receivables.eligible_countries",
                "Account debtors eligible in",
                ", ".join(r.get("eligible_countries") or []) or "no country",
            ),
        ],
    )


def _inventory(i: dict[str, Any], row: Any) -> Section:
    programs = i.get("programs") or {}
    locations = i.get("approved_locations") or []
    rows = [
        row(
            "inventory.advance_rate",
            "Advance rate on eligible inventory",
            percent(i["advance_rate"]),
        ),
        row(
            "inventory.sublimit",
            "Inventory sublimit: the most lent against inventory",
            dollars(i["sublimit"]),
        ),
        row(
            "inventory.ineligible_categories",
            "Ineligible categories",
            ", ".join(CATEGORY_WORDS.get(c, c) for c in i.get("ineligible_categories") or [])
            or "none",
        ),
        row(
            "inventory.approved_locations",
            "Approved locations",
            ", ".join(locations) if locations else "every location",
        ),
    ]
    for name, program in programs.items():
        consent = "not needed"
        if program.get("requires_consent"):
            consent = "received" if program.get("consent_received") else "not yet received"
        rows.append(
            row(
                f"inventory.programs.{name}",
                f"Advance rate on inventory of the {name} program",
                f"{percent(program['advance_rate'])} (consent {consent}; until then "
                f"{percent(i['advance_rate'])})"
                if program.get("requires_consent") and not program.get("consent_received")
                else f"{percent(program['advance_rate'])} (consent {consent})",
            )
        )
    return Section("Inventory", rows)


def _reserves(reserves: list[dict[str, Any]], row: Any) -> Section:
    if not reserves:
        return Section("Reserves", [row("reserves", "Reserves", "none")])
    table = (
        ("Reserve", "Amount", "Why"),
        [(r["name"], dollars(r["amount"]), r.get("reason") or "") for r in reserves],
    )
    return Section("Reserves", [row("reserves", "Reserves set by the bank", table=table)])


def _reporting(r: dict[str, Any], row: Any) -> Section:
    basis = "the line cap" if r.get("basis", "line_cap") == "line_cap" else "the commitment"
    return Section(
        "Reporting",
        [
            row(
                "reporting.threshold_pct",
                "Borrowing base reported monthly while excess availability is above",
                f"{percent(r['threshold_pct'])}; weekly at or below it",
            ),
            row("reporting.basis", "Excess availability as a share of", basis),
            row(
                "reporting.cure_days",
                "Days above the threshold before monthly reporting resumes",
                str(r.get("cure_days", 0)),
            ),
            row(
                "reporting.monthly_due_days",
                "A monthly certificate is due",
                f"{r['monthly_due_days']} days after month end",
            ),
            row(
                "reporting.weekly_due_weekday",
                "A weekly certificate is due",
                f"each {str(r['weekly_due_weekday']).title()} for the week ending the prior Friday",
            ),
            row(
                "reporting.financials_due_days",
                "Financial statements are due",
                f"{r['financials_due_days']} days after month end",
            ),
        ],
    )


def _covenants(c: dict[str, Any], row: Any) -> Section:
    rows = []
    if tnw := c.get("tangible_net_worth"):
        dta = "is not" if not tnw.get("deferred_tax_asset_is_intangible") else "is"
        rows.append(
            row(
                "covenants.tangible_net_worth",
                "Minimum tangible net worth",
                f"then {dollars(tnw['quarterly_increase'])} more each quarter end; "
                f"the deferred tax asset {dta} counted as an intangible",
                table=(
                    ("From", "Minimum"),
                    [(s["date"], dollars(s["minimum"])) for s in tnw["schedule"]],
                ),
            )
        )
    if fcc := c.get("fixed_charge_coverage"):
        rows.append(
            row(
                "covenants.fixed_charge_coverage",
                "Minimum fixed charge coverage",
                table=(("From", "Minimum"), [(s["date"], s["minimum"]) for s in fcc["schedule"]]),
            )
        )
    if dtnw := c.get("debt_to_tangible_net_worth"):
        rows.append(
            row(
                "covenants.debt_to_tangible_net_worth",
                "Maximum debt to tangible net worth",
                table=(
                    ("From", "Maximum"),
                    [(s["date"], ratio(s["maximum"])) for s in dtnw["schedule"]],
                ),
            )
        )
    if capex := c.get("capital_expenditures"):
        rows.append(
            row(
                "covenants.capital_expenditures",
                "Maximum capital expenditures per fiscal year",
                "more only with the bank's approval",
                table=(
                    ("Year", "Limit", "Plus, for new business, up to"),
                    [
                        (str(y["year"]), dollars(y["limit"]), dollars(y["new_business_allowance"]))
                        for y in capex["fiscal_years"]
                    ],
                ),
            )
        )
    return Section("Covenants", rows)


def _fees(f: dict[str, Any], row: Any) -> Section:
    exam = f.get("field_exam") or {}
    return Section(
        "Fees",
        [
            row(
                "fees.monthly_monitoring",
                "Monitoring fee",
                f"{dollars(f['monthly_monitoring'])} a month",
            ),
            row(
                "fees.online_setup",
                "Online reporting set-up fee",
                f"{dollars(f['online_setup'])} once",
            ),
            row(
                "fees.field_exam",
                "Field exam (audit) fee",
                f"typically {dollars(exam.get('typical', '0'))} each; "
                f"at most {exam.get('max_per_year', 0)} charged a year",
            ),
        ],
    )


def _pricing(p: dict[str, Any], row: Any) -> Section:
    levels = [
        (
            f"up to {ratio(level['up_to'])}" if level.get("up_to") else "above",
            percent(level["margin"]),
        )
        for level in p.get("levels") or []
    ]
    note = (
        ""
        if p.get("given_by_letter")
        else "Placeholder levels: the letter does not give the December matrix."
    )
    return Section(
        "Pricing",
        [
            row(
                "pricing.levels",
                f"Margin over {p['base_rate']}, by {str(p['measured_by']).replace('_', ' ')}",
                f"interest accrued {p.get('day_count', 'actual/360')}",
                table=(("Ratio", "Margin"), levels),
            )
        ],
        note,
    )
