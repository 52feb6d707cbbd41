"""Facility terms as data: the §10 YAML file, read exactly and validated.

Numbers are read as Decimal (never through float); every problem names its key
path. `model` holds the facility's own terms, `parsing` reads them, `data`
writes them back; the covenant terms live in abl/calc/terms/covenants.py and the
fee and pricing terms in abl/calc/fee_terms.py, beside the code that uses them.
"""

from abl.calc.due import WEEKDAYS
from abl.calc.fee_terms import Fees, FieldExamFee, Pricing, PricingLevel
from abl.calc.terms.covenants import CapexYear, Covenants, Step, TangibleNetWorth
from abl.calc.terms.data import terms_to_data
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
    with_consent,
    with_reserves,
)
from abl.calc.terms.parsing import load_terms_yaml, parse_terms
from abl.calc.termsfile import TermsError

__all__ = [
    "BASES",
    "INVENTORY_CATEGORIES",
    "WEEKDAYS",
    "CapexYear",
    "Covenants",
    "FacilityInfo",
    "FacilityTerms",
    "Fees",
    "FieldExamFee",
    "InventoryTerms",
    "Pricing",
    "PricingLevel",
    "Program",
    "ReceivablesTerms",
    "ReportingTerms",
    "Reserve",
    "Step",
    "TangibleNetWorth",
    "TermsError",
    "load_terms_yaml",
    "parse_terms",
    "terms_to_data",
    "with_consent",
    "with_reserves",
]
