"""Advances (§7; docs/loans.md): the borrower's request, the bank's approval or decline.

An approval books the advance to the ledger against live availability, every rule checked
again under the request's and the facility's row locks (`_locked_request`).
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from abl import business_date
from abl.access import advance_decision_refusal, may_report
from abl.audit import record
from abl.calc import loans as rules
from abl.calc.money import money_text
from abl.locks import lock_facility
from abl.models import AdvanceRequest, Facility, User
from abl.services.errors import LoanRefused
from abl.services.loans.availability import LiveAvailability, live_availability
from abl.services.loans.ledger import Kind, balance_changed, next_entry
from abl.services.terms import facility_terms


@transaction.atomic
def request_advance(
    *,
    facility: Facility,
    actor: User,
    amount: Decimal,
    value_date: dt.date | None = None,
    purpose: str = "",
    key: str,
) -> AdvanceRequest:
    """The borrower asks for an advance. The same key again returns the same request.

    Refused when the key was used for a different request, the amount is not
    more than zero, or the value date is before the business date or after
    maturity. Whether it fits the availability is decided at approval.

    The terms are read before the facility's lock, which every request and approval
    of the facility waits for: maturity is checked here as a courtesy, and again by
    the approval under the lock (`approval_refusal`), which is what books money.
    """
    terms = facility_terms(facility)
    facility = lock_facility(facility)  # one request per key, even from two clicks at once
    if not may_report(actor, facility):
        raise LoanRefused(f"Only a user of {facility.borrower} asks for its advances.")
    today = business_date.today()
    value_date = value_date or today
    key = key.strip()
    if not key or len(key) > 100:
        raise LoanRefused("An idempotency key of 1 to 100 characters is required.", field="key")
    existing = AdvanceRequest.objects.filter(facility=facility, key=key).first()
    if existing is not None:
        if (existing.amount, existing.value_date) != (amount, value_date):
            raise LoanRefused(
                "This request was already made with another amount or value date: "
                f"advance request {existing.pk}, {money_text(existing.amount)} valued "
                f"{existing.value_date} (key {key!r}). "
                "To ask for another amount, make a new request.",
                field="key",
            )
        return existing
    if amount <= 0:
        raise LoanRefused("An advance must be more than zero.", field="amount")
    if value_date < today:
        raise LoanRefused(
            f"The value date {value_date} is before today's business date {today}.",
            field="value_date",
        )
    if terms is not None and value_date > terms.facility.maturity_date:
        raise LoanRefused(
            f"The facility matures on {terms.facility.maturity_date}: no advance after it.",
            field="value_date",
        )
    advance = AdvanceRequest.objects.create(
        facility=facility,
        key=key,
        amount=amount,
        value_date=value_date,
        purpose=purpose.strip(),
        requested_by=actor,
        requested_on=today,
    )
    record(
        actor=actor,
        action="advance.requested",
        obj=advance,
        facility=facility,
        summary=f"Advance of {money_text(amount)} valued {value_date} requested"
        + (f": {advance.purpose}" if advance.purpose else ""),
        changes={"amount": str(amount), "value_date": value_date.isoformat(), "key": key},
    )
    return advance


def approval_refusal(advance: AdvanceRequest, live: LiveAvailability) -> str | None:
    """Why this advance cannot be approved against `live` (§7), or None: one rule for the
    page's warning and the approval itself."""
    return rules.advance_refusal(
        amount=advance.amount,
        value_date=advance.value_date,
        on=live.on,
        maturity_date=live.maturity_date or dt.date.max,
        in_default_since=live.in_default_since,
        certificate_as_of=live.certificate.as_of if live.certificate else None,
        current_until=live.current_until,
        committed=live.committed,
    )


@transaction.atomic
def approve_advance(*, advance: AdvanceRequest, actor: User, comment: str = "") -> AdvanceRequest:
    """Approve: the advance is booked to the ledger against the latest approved certificate.

    The request's and the facility's rows are locked first (one query) and every
    rule checked again inside the transaction, so two approvals of the same
    availability run one after the other; the ledger's constraints are the last
    line (docs/loans.md). The audit event is written last: the audit chain's lock
    is held from it to the commit.
    """
    advance = _locked_request(advance)
    facility = advance.facility
    if refusal := advance_decision_refusal(actor, advance):
        raise LoanRefused(refusal)
    live = live_availability(facility)
    if refusal := approval_refusal(advance, live):
        raise LoanRefused(refusal)
    assert live.committed is not None
    assert live.certificate is not None
    entry = next_entry(
        facility,
        live.head,
        kind=Kind.ADVANCE,
        amount=advance.amount,
        value_date=advance.value_date,
        actor=actor,
        description=advance.purpose or "Advance",
        line_cap=live.committed.line_cap,
        certificate=live.certificate,
        advance=advance,
    )
    advance.status = AdvanceRequest.Status.APPROVED
    advance.decided_by, advance.decided_at = actor, timezone.now()
    advance.decided_on = business_date.today()
    advance.comment = comment.strip()
    advance.excess_before = live.committed.excess_availability
    entry.save(force_insert=True)
    advance.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decided_on",
            "comment",
            "excess_before",
        ]
    )
    after = live.committed.excess_availability - advance.amount
    record(
        actor=actor,
        action="advance.approved",
        obj=advance,
        facility=facility,
        summary=f"Advance of {money_text(advance.amount)} valued {advance.value_date} approved: "
        f"excess availability {money_text(live.committed.excess_availability)} → {money_text(after)}",
        changes={
            "amount": str(advance.amount),
            "excess_before": str(live.committed.excess_availability),
            "excess_after": str(after),
            "certificate": live.certificate.pk,
            "comment": advance.comment,
        },
    )
    balance_changed(facility)
    return advance


@transaction.atomic
def decline_advance(*, advance: AdvanceRequest, actor: User, comment: str) -> AdvanceRequest:
    """Decline with a comment (required): nothing is booked."""
    advance = _locked_request(advance)
    if refusal := advance_decision_refusal(actor, advance):
        raise LoanRefused(refusal)
    if not comment.strip():
        raise LoanRefused("Say why: a comment is required to decline.", field="comment")
    advance.status = AdvanceRequest.Status.DECLINED
    advance.decided_by, advance.decided_at = actor, timezone.now()
    advance.decided_on = business_date.today()
    advance.comment = comment.strip()
    advance.save(update_fields=["status", "decided_by", "decided_at", "decided_on", "comment"])
    record(
        actor=actor,
        action="advance.declined",
        obj=advance,
        facility=advance.facility,
        summary=f"Advance of {money_text(advance.amount)} declined: {advance.comment}",
        changes={"amount": str(advance.amount), "comment": advance.comment},
    )
    return advance


def _locked_request(advance: AdvanceRequest) -> AdvanceRequest:
    """The request and its facility, both rows locked in one statement, with the facility's
    borrower (only read).

    The facility's lock is the one every change of its ledger takes (abl/locks.py); no
    service locks a request after its facility, so every service that locks a request
    locks it this way, before anything is recorded, and one that waited gets the rows as
    the other left them.
    """
    return (
        AdvanceRequest.objects.select_related("facility__borrower")
        .select_for_update(of=("self", "facility"))
        .get(pk=advance.pk)
    )
