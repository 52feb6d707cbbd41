"""A facility's own terms: the facility, receivables, inventory, reserves, reporting.

Value objects only; `FacilityTerms` gathers them with the covenants
(abl/calc/terms/covenants.py) and the fees and pricing (abl/calc/fee_terms.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from abl.calc.due import DueRules
from abl.calc.fee_terms import Fees, Pricing
from abl.calc.terms.covenants import Covenants
from abl.calc.termsfile import TermsError

BASES = ("line_cap", "commitment")
INVENTORY_CATEGORIES = ("raw_materials", "work_in_process", "finished_goods")


@dataclass(frozen=True)
class FacilityInfo:
    id: str
    lender: str
    borrower: str
    commitment: Decimal
    terms_date: dt.date
    maturity_date: dt.date


@dataclass(frozen=True)
class ReceivablesTerms:
    advance_rate: Decimal
    age_limit_days: int
    cross_age_pct: Decimal
    concentration_limit_pct: Decimal
    concentration_overrides: dict[str, Decimal]
    eligible_countries: tuple[str, ...]

    def concentration_limit(self, customer_id: str) -> Decimal:
        return self.concentration_overrides.get(customer_id, self.concentration_limit_pct)


@dataclass(frozen=True)
class Program:
    advance_rate: Decimal
    requires_consent: bool
    consent_received: bool

    @property
    def in_force(self) -> bool:
        """The program's rate applies: no consent needed, or consent recorded."""
        return not self.requires_consent or self.consent_received


@dataclass(frozen=True)
class InventoryTerms:
    advance_rate: Decimal
    sublimit: Decimal
    ineligible_categories: tuple[str, ...]
    approved_locations: tuple[str, ...]
    programs: dict[str, Program]


@dataclass(frozen=True)
class Reserve:
    name: str
    amount: Decimal
    reason: str = ""


@dataclass(frozen=True)
class ReportingTerms:
    threshold_pct: Decimal
    basis: str
    cure_days: int
    monthly_due_days: int
    weekly_due_weekday: str
    financials_due_days: int

    @property
    def due_rules(self) -> DueRules:
        """The due-date rules of this section (§6): what is due when, and next."""
        return DueRules(
            monthly_due_days=self.monthly_due_days,
            weekly_due_weekday=self.weekly_due_weekday,
            financials_due_days=self.financials_due_days,
        )


@dataclass(frozen=True)
class FacilityTerms:
    facility: FacilityInfo
    receivables: ReceivablesTerms
    inventory: InventoryTerms
    reserves: tuple[Reserve, ...]
    reporting: ReportingTerms
    covenants: Covenants | None
    fees: Fees | None
    pricing: Pricing | None
    letter_paths: tuple[str, ...] = field(default=())
    # The letter's own words for a term, by key path (e.g. "receivables.advance_rate").
    letter_clauses: tuple[tuple[str, str], ...] = field(default=())
    # The bank's amendments of a term since the letter, in words, by key path: the term's source
    # is the amendment, not the letter (covenants.services.breaches.amend_covenant writes them).
    amendments: tuple[tuple[str, str], ...] = field(default=())

    @property
    def total_reserves(self) -> Decimal:
        return sum((r.amount for r in self.reserves), Decimal("0.00"))


def with_reserves(terms: FacilityTerms, reserves: list[Reserve]) -> FacilityTerms:
    """The same terms with these reserves instead of the current ones."""
    for reserve in reserves:
        if reserve.amount < 0 or not reserve.name.strip():
            raise TermsError([f"reserves: {reserve.name!r} needs a name and a non-negative amount"])
    return dataclasses.replace(terms, reserves=tuple(reserves))


def with_consent(terms: FacilityTerms, program: str, received: bool) -> FacilityTerms:
    """The same terms with the program's consent recorded as received (or not)."""
    programs = dict(terms.inventory.programs)
    if program not in programs:
        known = ", ".join(sorted(programs)) or "none"
        raise TermsError([f"inventory.programs.{program}: no such program (known: {known})"])
    programs[program] = dataclasses.replace(programs[program], consent_received=received)
    return dataclasses.replace(
        terms, inventory=dataclasses.replace(terms.inventory, programs=programs)
    )
