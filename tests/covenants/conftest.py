"""Fixtures for the covenant workflow: Innotrac's terms, its CFO and the bank's analysts."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.services.terms import load_facility_terms
from covenants.calc.financials import FIELDS, Financials
from covenants.services import statements
from tests.abl.conftest import TERMS
from tests.factories import UserFactory

# A quarter at 2003-03-31 that meets every covenant (TNW 37.5M, FCC 2.5, D/TNW 0.80, capex 1M).
HEALTHY = {
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


def figures(**changes: str) -> Financials:
    values = {**HEALTHY, **changes}
    return Financials(**{name: Decimal(values[name]) for name in FIELDS})


@pytest.fixture
def business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-20"
    return dt.date(2003, 4, 20)


@pytest.fixture
def innotrac(db, business_date):
    version, _ = load_facility_terms(text=TERMS.read_text(), actor=None, reason="test")
    return version.facility


@pytest.fixture
def cfo(innotrac):
    return UserFactory(
        username="dgamsey",
        first_name="David",
        last_name="Gamsey",
        title="Chief Financial Officer",
        role="borrower",
        organisation=innotrac.borrower,
        email="dgamsey@innotrac.example",
    )


@pytest.fixture
def abl_analyst(innotrac):
    return UserFactory(
        username="analyst", role="analyst", organisation=innotrac.lender, email="abl@bank.example"
    )


@pytest.fixture
def submit(innotrac, cfo, django_capture_on_commit_callbacks):
    """Submit a statement as the CFO, running what is queued on commit (tasks run eagerly)."""

    def run(period_end=dt.date(2003, 3, 31), kind="actual", reason="", **changes: str):
        with django_capture_on_commit_callbacks(execute=True):
            return statements.submit_statement(
                facility=innotrac,
                kind=kind,
                period_end=period_end,
                financials=figures(**changes),
                user=cfo,
                officer_title="Chief Financial Officer",
                reason=reason,
            )

    return run
