"""The fee ledger (§9; docs/fees.md), a module per concept:

- `posting`: a month's fees and interest posted, and adjustments of months posted before
  (reading what is posted through `posted`);
- `field_exams`: field exams scheduled and recorded;
- `base_rates`: the base rate series;
- `statements`: the monthly fee statement and its PDF.

Their public names are here too (`fees.post_fees`), with `FeeRefused`, the fee ledger's
refusal (a kind of `Refused`).
"""

from abl.services.errors import FeeRefused
from abl.services.fees.base_rates import set_base_rate
from abl.services.fees.field_exams import record_field_exam, schedule_field_exam
from abl.services.fees.posted import INTEREST_LINES, Kind
from abl.services.fees.posting import month_refusal, post_fees
from abl.services.fees.statements import (
    fee_statement,
    pricing_placeholder,
    render_statement_document,
    statement_documents,
    stored_statement,
)

__all__ = [
    "INTEREST_LINES",
    "FeeRefused",
    "Kind",
    "fee_statement",
    "month_refusal",
    "post_fees",
    "pricing_placeholder",
    "record_field_exam",
    "render_statement_document",
    "schedule_field_exam",
    "set_base_rate",
    "statement_documents",
    "stored_statement",
]
