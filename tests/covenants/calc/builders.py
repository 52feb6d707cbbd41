"""Innotrac's covenant terms and financial figures for engine tests."""

import dataclasses
from decimal import Decimal

from abl.calc.terms import load_terms_yaml
from abl.calc.terms.covenants import Covenants
from covenants.calc.financials import FIELDS, Financials
from tests.abl.calc.builders import TERMS_FILE


def innotrac_covenants() -> Covenants:
    covenants = load_terms_yaml(TERMS_FILE.read_text()).covenants
    assert covenants is not None
    return covenants


def financials(**figures: str) -> Financials:
    """A healthy quarter (every covenant passes in 2003) with the given figures changed."""
    healthy = {
        "total_equity": "40000000.00",
        "goodwill": "2000000.00",
        "other_intangibles": "500000.00",
        "deferred_tax_asset": "1500000.00",
        "total_liabilities": "30000000.00",
        "subordinated_debt": "0.00",
        "ebitda": "9000000.00",
        "unfinanced_capex": "1000000.00",
        "cash_taxes": "500000.00",
        "distributions": "0.00",
        "interest_expense": "2000000.00",
        "scheduled_principal": "1000000.00",
        "capex_ytd": "1000000.00",
        "new_business_capex_ytd": "0.00",
        "approved_additional_capex": "0.00",
    }
    values = {name: Decimal(healthy[name]) for name in FIELDS}
    values.update({name: Decimal(value) for name, value in figures.items()})
    return Financials(**values)


def with_dta_intangible(covenants: Covenants, value: bool) -> Covenants:
    tnw = dataclasses.replace(covenants.tangible_net_worth, deferred_tax_asset_is_intangible=value)
    return dataclasses.replace(covenants, tangible_net_worth=tnw)
