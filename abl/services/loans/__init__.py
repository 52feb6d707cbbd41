"""The loan (§5–§7; docs/loans.md), a module per concept:

- `availability`: live availability, the one reader of how much may be drawn;
- `ledger`: appending entries, the opening balance, fees and interest charged;
- `advances`: request, approve (once, or twice above a limit), decline, withdraw;
- `repayments`: a repayment recorded, a file of them imported;
- `default`: events of default declared, and ended by a cure or a waiver two analysts make.

The pages, commands, tasks and covenant cases call these functions: keyword-only,
transactional, audited. Their public names are here too (`loans.approve_advance`).
"""

from abl.services.loans.advances import (
    approval_refusal,
    approve_advance,
    decline_advance,
    request_advance,
    withdraw_advance,
)
from abl.services.loans.availability import LiveAvailability, live_availability
from abl.services.loans.default import (
    confirm_default_end,
    declare_event_of_default,
    default_standing,
    defaults_standing,
    propose_default_end,
)
from abl.services.loans.ledger import Kind, LedgerHead, charge_loan, record_opening_balance
from abl.services.loans.repayments import (
    RepaymentImport,
    import_repayments,
    record_repayment,
    repayment_problem,
)

__all__ = [
    "Kind",
    "LedgerHead",
    "LiveAvailability",
    "RepaymentImport",
    "approval_refusal",
    "approve_advance",
    "charge_loan",
    "confirm_default_end",
    "declare_event_of_default",
    "decline_advance",
    "default_standing",
    "defaults_standing",
    "import_repayments",
    "live_availability",
    "propose_default_end",
    "record_opening_balance",
    "record_repayment",
    "repayment_problem",
    "request_advance",
    "withdraw_advance",
]
