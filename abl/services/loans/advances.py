"""Advances (§7; docs/loans.md): the borrower's request or withdrawal, the bank's approval
or decline.

An approval books the advance to the ledger against live availability, every rule checked
again under the request's and the facility's row locks (`_locked_request`). An advance above
the approver's limit is approved twice, by two analysts: the first approval books nothing,
the second books it. Every change e-mails the other side (abl/services/advance_notices.py).
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from abl import business_date
from abl.access import (
    advance_approval_refusal,
    advance_decision_refusal,
    may_report,
    withdrawal_refusal,
)
from abl.audit import record
from abl.calc import loans as rules
from abl.calc.money import money_text
from abl.locks import lock_facility
from abl.models import AdvanceNotice, AdvanceRequest, Facility, User
from abl.services.advance_notices import queue_advance_notice
from abl.services.errors import LoanRefused
from abl.services.loans.availability import LiveAvailability, live_availability
from abl.services.loans.ledger import Kind, balance_changed, next_entry
from abl.services.terms import facility_terms
from abl.webhooks import services as webhooks
from abl.webhooks.calc import events


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
    queue_advance_notice(advance=advance, event=AdvanceNotice.Event.REQUESTED)
    webhooks.publish(
        events.ADVANCE_REQUESTED,
        facility=facility,
        data={
            "advance": advance.pk,
            "amount": str(advance.amount),
            "value_date": advance.value_date.isoformat(),
        },
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

    Above the actor's approval limit, and not yet approved by another analyst, the approval
    is the first of two: recorded and told, nothing booked (`_approve_first`). The second
    approval, by another analyst, books it whatever that analyst's limit.

    The request's and the facility's rows are locked first (one query) and every
    rule checked again inside the transaction, so two approvals of the same
    availability run one after the other; the ledger's constraints are the last
    line (docs/loans.md). The audit event is written last: the audit chain's lock
    is held from it to the commit.
    """
    advance = _locked_request(advance)
    facility = advance.facility
    if refusal := advance_approval_refusal(actor, advance):
        raise LoanRefused(refusal)
    live = live_availability(facility)
    if refusal := approval_refusal(advance, live):
        raise LoanRefused(refusal)
    assert live.committed is not None
    assert live.certificate is not None
    if advance.first_approved_by_id is None and not actor.approves_alone(advance.amount):
        return _approve_first(advance, actor, comment, live)
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
    second = advance.first_approved_by_id is not None
    record(
        actor=actor,
        action="advance.approved",
        obj=advance,
        facility=facility,
        summary=f"Advance of {money_text(advance.amount)} valued {advance.value_date} approved"
        + (" (the second approval)" if second else "")
        + f": excess availability {money_text(live.committed.excess_availability)} → "
        f"{money_text(after)}",
        changes={
            "amount": str(advance.amount),
            "excess_before": str(live.committed.excess_availability),
            "excess_after": str(after),
            "certificate": live.certificate.pk,
            "comment": advance.comment,
            "first_approved_by": advance.first_approved_by_id,
        },
    )
    queue_advance_notice(advance=advance, event=AdvanceNotice.Event.APPROVED)
    _publish_decision(advance, "approved")
    balance_changed(facility)
    return advance


def _approve_first(
    advance: AdvanceRequest, actor: User, comment: str, live: LiveAvailability
) -> AdvanceRequest:
    """The first of two approvals (above `actor`'s limit): recorded, nothing booked."""
    assert live.committed is not None
    advance.first_approved_by, advance.first_approved_at = actor, timezone.now()
    advance.first_approved_on = business_date.today()
    advance.first_comment = comment.strip()
    advance.save(
        update_fields=[
            "first_approved_by",
            "first_approved_at",
            "first_approved_on",
            "first_comment",
        ]
    )
    record(
        actor=actor,
        action="advance.first_approved",
        obj=advance,
        facility=advance.facility,
        summary=f"Advance of {money_text(advance.amount)} valued {advance.value_date} approved "
        f"by {actor.username}, above the approval limit of {money_text(actor.approval_limit)}: "
        "a second analyst's approval is awaited",
        changes={
            "amount": str(advance.amount),
            "approval_limit": str(actor.approval_limit),
            "excess_availability": str(live.committed.excess_availability),
            "comment": advance.first_comment,
        },
    )
    queue_advance_notice(advance=advance, event=AdvanceNotice.Event.FIRST_APPROVED)
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
    queue_advance_notice(advance=advance, event=AdvanceNotice.Event.DECLINED)
    _publish_decision(advance, "declined")
    return advance


@transaction.atomic
def withdraw_advance(*, advance: AdvanceRequest, actor: User) -> AdvanceRequest:
    """The borrower withdraws its request before it is decided (a first approval above a
    limit is not a decision): nothing is booked, the analysts are told.

    Locked as an approval locks (`_locked_request`), so a withdrawal and an approval racing
    each other run one after the other: whichever comes second is refused.
    """
    advance = _locked_request(advance)
    if refusal := withdrawal_refusal(actor, advance):
        raise LoanRefused(refusal)
    advance.status = AdvanceRequest.Status.WITHDRAWN
    advance.withdrawn_by, advance.withdrawn_at = actor, timezone.now()
    advance.withdrawn_on = business_date.today()
    advance.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawn_on"])
    record(
        actor=actor,
        action="advance.withdrawn",
        obj=advance,
        facility=advance.facility,
        summary=f"Advance request of {money_text(advance.amount)} valued {advance.value_date} "
        "withdrawn by the borrower",
        changes={"amount": str(advance.amount), "status": ["requested", "withdrawn"]},
    )
    queue_advance_notice(advance=advance, event=AdvanceNotice.Event.WITHDRAWN)
    return advance


def _publish_decision(advance: AdvanceRequest, decision: str) -> None:
    """Tell the endpoints of the decision (the last approval of two, or a decline)."""
    webhooks.publish(
        events.ADVANCE_DECIDED,
        facility=advance.facility,
        data={
            "advance": advance.pk,
            "decision": decision,
            "amount": str(advance.amount),
            "value_date": advance.value_date.isoformat(),
        },
    )


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
