"""Fixtures for the fee ledger: Innotrac with a balance through April 2003, worked by hand.

The ledger: an opening balance of 5,400,000.00 valued 2003-03-31 and a repayment
of 1,800,000.00 valued 2003-04-16. Prime is 4.25% from 2003-01-01 and 4.00%
from 2003-04-21. The covenant statement for 2003-03-31 is submitted on
2003-04-01 with debt to tangible net worth 1.10 (margin 0.50%) and restated on
2003-04-11 at 0.90 (margin 0.25%), each version accepted.

Posting April (business date 2003-05-01) charges the set-up fee on 1 April
(1,125.00: April is the first month posted), the monitoring fee on 30 April
(1,555.00), and interest on the balance with those fees in it:

| days         | balance       | rate                   | interest                |
|--------------|---------------|------------------------|-------------------------|
| 1–10 Apr     | 5,401,125.00  | 4.25% + 0.50% = 4.75%  | 10 × 712.6484375        |
| 11–15 Apr    | 5,401,125.00  | 4.25% + 0.25% = 4.50%  |  5 × 675.140625         |
| 16–20 Apr    | 3,601,125.00  | 4.25% + 0.25% = 4.50%  |  5 × 450.140625         |
| 21–29 Apr    | 3,601,125.00  | 4.00% + 0.25% = 4.25%  |  9 × 425.1328125        |
| 30 Apr       | 3,602,680.00  | 4.00% + 0.25% = 4.25%  |  1 × 425.316388…        |

Total 17,004.402326… → 17,004.40, rounded once.
"""

import datetime as dt
from decimal import Decimal

import pytest

from abl.services import fees, loans
from covenants.services import statements
from tests.covenants.conftest import figures

APRIL_INTEREST = Decimal("17004.40")
AFTER_APRIL = "2003-05-01"


def _on(settings, day: str) -> None:
    settings.ABL_BUSINESS_DATE = day


def _statement(innotrac, cfo, analyst, *, total_liabilities: str, reason: str = ""):
    version = statements.submit_statement(
        facility=innotrac,
        kind="actual",
        period_end=dt.date(2003, 3, 31),
        financials=figures(total_liabilities=total_liabilities),
        user=cfo,
        officer_title="Chief Financial Officer",
        reason=reason,
    )
    return statements.accept_statement(version=version, user=analyst)


@pytest.fixture
def april(settings, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks):
    """Innotrac's ledger, base rates and accepted covenant results through April 2003."""
    _on(settings, "2003-04-01")
    loans.record_opening_balance(
        facility=innotrac,
        actor=abl_analyst,
        amount=Decimal("5400000.00"),
        value_date=dt.date(2003, 3, 31),
    )
    fees.set_base_rate(
        actor=abl_analyst, effective_date=dt.date(2003, 1, 1), rate=Decimal("0.0425")
    )
    fees.set_base_rate(actor=abl_analyst, effective_date=dt.date(2003, 4, 21), rate=Decimal("0.04"))
    with django_capture_on_commit_callbacks(execute=True):
        # D/TNW = total liabilities ÷ 37,500,000 of tangible net worth.
        _statement(innotrac, cfo, abl_analyst, total_liabilities="41250000.00")
        _on(settings, "2003-04-11")
        _statement(
            innotrac, cfo, abl_analyst, total_liabilities="33750000.00", reason="Restated payables"
        )
        _on(settings, "2003-04-16")
        loans.record_repayment(
            facility=innotrac,
            actor=abl_analyst,
            amount=Decimal("1800000.00"),
            value_date=dt.date(2003, 4, 16),
        )
    _on(settings, AFTER_APRIL)
    return innotrac
