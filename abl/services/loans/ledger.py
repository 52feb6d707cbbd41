"""The loan ledger (§5, §9; docs/loans.md): appending entries, the opening balance, charges.

Every change to the outstanding balance is one `LedgerEntry`, appended after the
facility's last entry under the facility's row lock; nothing here updates or deletes an
entry. Each change ends in `balance_changed`, the reporting cadence's hook.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Sum

from abl import business_date
from abl.audit import record
from abl.calc.money import ZERO, money_text
from abl.locks import lock_facility
from abl.models import AdvanceRequest, Certificate, Facility, LedgerEntry, Role, User
from abl.services.errors import LoanRefused
from reporting.services.cadence import queue_reevaluation

Kind = LedgerEntry.Kind


class LedgerHead(NamedTuple):
    """The facility's last entry: its `seq` and the balance after it (every entry's sum)."""

    seq: int
    balance: Decimal


def ledger_head(facility: Facility) -> LedgerHead:
    """The facility's last entry (call under its row lock)."""
    found = (
        LedgerEntry.objects.filter(facility=facility)
        .order_by("-seq")
        .values_list("seq", "balance_after")
        .first()
    )
    return LedgerHead(*found) if found is not None else LedgerHead(0, ZERO)


def ledger_by_day(facility: Facility) -> list[tuple[dt.date, Decimal]]:
    """The facility's ledger as (value date, the day's entries summed): a row a day."""
    return list(
        LedgerEntry.objects.filter(facility=facility)
        .order_by()
        .values("value_date")
        .annotate(total=Sum("amount"))
        .values_list("value_date", "total")
    )


def balance_changed(facility: Facility) -> None:
    """The hook for every change of the outstanding balance (an advance, a repayment).

    Called inside the transaction that appended the entry. §6 asks for the
    reporting frequency to be re-evaluated after each such change: the
    reporting cadence (reporting/services/cadence.py) queues its task here through
    the outbox (abl.outbox.enqueue), so a worker sees the committed balance.
    """
    queue_reevaluation(facility.pk, "outstanding balance changed")


def append_entry(facility: Facility, **fields: Any) -> LedgerEntry:
    """Append one entry (`fields` as next_entry takes them) after the facility's last; the
    caller holds the facility's row lock."""
    entry = next_entry(facility, ledger_head(facility), **fields)
    entry.save(force_insert=True)
    return entry


def next_entry(
    facility: Facility,
    head: LedgerHead,
    *,
    kind: str,
    amount: Decimal,
    value_date: dt.date,
    actor: User | None,
    description: str = "",
    source: str = "",
    line_cap: Decimal | None = None,
    certificate: Certificate | None = None,
    advance: AdvanceRequest | None = None,
) -> LedgerEntry:
    """The entry after `head`, the facility's last entry read under its row lock, not yet
    written: the next place and the running balance (which the ledger's trigger checks)."""
    seq, balance = head
    return LedgerEntry(
        facility=facility,
        seq=seq + 1,
        kind=kind,
        value_date=value_date,
        amount=amount,
        balance_after=balance + amount,
        line_cap=line_cap,
        certificate=certificate,
        advance=advance,
        description=description,
        source=source,
        created_by=actor,
        recorded_on=business_date.today(),
    )


# --- Opening balance ---------------------------------------------------------------------


@transaction.atomic
def record_opening_balance(
    *, facility: Facility, actor: User | None, amount: Decimal, value_date: dt.date
) -> LedgerEntry:
    """The balance a facility brings into ABL Desk: the first entry of an empty ledger."""
    facility = lock_facility(facility)
    if actor is not None and actor.role not in {Role.ANALYST, Role.ADMIN}:
        raise LoanRefused("Only the bank records a facility's opening balance.")
    if LedgerEntry.objects.filter(facility=facility).exists():
        raise LoanRefused("The ledger already has entries: an opening balance comes first.")
    if amount <= 0:
        raise LoanRefused("An opening balance is more than zero.", field="amount")
    entry = append_entry(
        facility,
        kind=Kind.OPENING,
        amount=amount,
        value_date=value_date,
        actor=actor,
        description="Opening balance",
    )
    record(
        actor=actor,
        action="ledger.opening_balance",
        obj=entry,
        facility=facility,
        summary=f"Opening balance {money_text(amount)} valued {value_date}",
        changes={"amount": str(amount), "value_date": value_date.isoformat()},
    )
    balance_changed(facility)
    return entry


# --- Fees and interest (abl.services.fees) ------------------------------------------------


@transaction.atomic
def charge_loan(
    *,
    facility: Facility,
    actor: User | None,
    kind: str,
    amount: Decimal,
    value_date: dt.date,
    description: str,
    source: str,
) -> LedgerEntry:
    """A fee or a month's interest charged to the loan (§9): one `fee` or `interest` entry,
    or interest given back (an adjustment down): a `correction` of less than zero.

    Called by the fee ledger's posting (`abl.services.fees`); `source` names the
    charge (e.g. "fees:monitoring:2003-04"), unique per facility, so the same
    charge is never written twice. Audited.
    """
    if kind not in {Kind.FEE, Kind.INTEREST, Kind.CORRECTION}:
        raise ValueError(f"not a charge to the loan: {kind!r}")
    if kind == Kind.CORRECTION and amount >= 0:
        raise LoanRefused("A correction given back must be less than zero.", field="amount")
    if kind != Kind.CORRECTION and amount <= 0:
        raise LoanRefused("A charge to the loan must be more than zero.", field="amount")
    facility = lock_facility(facility)
    entry = append_entry(
        facility,
        kind=kind,
        amount=amount,
        value_date=value_date,
        actor=actor,
        description=description,
        source=source,
    )
    record(
        actor=actor,
        action="ledger.corrected" if kind == Kind.CORRECTION else "ledger.charged",
        obj=entry,
        facility=facility,
        summary=f"{entry.get_kind_display()} {money_text(amount)} valued {value_date}: {description}",
        changes={"amount": str(amount), "value_date": value_date.isoformat(), "source": source},
    )
    balance_changed(facility)
    return entry
