"""Capex beyond the year's basket: the borrower asks, an analyst (never the requester) decides.

"If you needed to make additional CAPEX over these amounts, we would ask that
you request the Bank's approval." An approved amount raises that fiscal year's
basket (covenants/services/testing.py `approved_capex`) for every test from
then on; a statement tested before keeps the test it had.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from abl.audit import record
from abl.calc.money import money_text
from abl.locks import lock_facility
from abl.models import Facility, User
from covenants.access import capex_decision_refusal, capex_request_refusal
from covenants.models import CapexRequest
from covenants.services.errors import CovenantRefused
from covenants.services.notifications import queue_covenant_email

MAX_AMOUNT = Decimal("9999999999999999.99")


@transaction.atomic
def request_capex_approval(
    *, facility: Facility, year: int, amount: Decimal, reason: str, user: User
) -> CapexRequest:
    if refusal := capex_request_refusal(user, facility):
        raise CovenantRefused(refusal)
    if not Decimal(0) < amount <= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise CovenantRefused("The amount must be more than zero, in dollars and cents.")
    if not 1900 <= year <= 9999:
        raise CovenantRefused(f"{year} is not a fiscal year.")
    if not reason.strip():
        raise CovenantRefused("Say what the capital expenditure is for.")
    lock_facility(facility)
    request = CapexRequest.objects.create(
        facility=facility, year=year, amount=amount, reason=reason.strip(), requested_by=user
    )
    record(
        actor=user,
        action="covenants.capex_requested",
        obj=request,
        facility=facility,
        summary=f"Approval of {money_text(amount)} of {year} capex requested: {request.reason}",
        changes={"year": year, "amount": str(amount)},
    )
    queue_covenant_email(subject=request, event="capex_requested")
    return request


@transaction.atomic
def decide_capex_request(
    *, request: CapexRequest, approve: bool, comment: str, user: User
) -> CapexRequest:
    """Approve or decline; a decline needs a comment. Refused when already decided."""
    lock_facility(request.facility_id)
    request = CapexRequest.objects.select_for_update().get(pk=request.pk)
    if refusal := capex_decision_refusal(user, request):
        raise CovenantRefused(refusal)
    if not approve and not comment.strip():
        raise CovenantRefused("Say why the request is declined.")
    request.status = CapexRequest.Status.APPROVED if approve else CapexRequest.Status.DECLINED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.comment = comment.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    verb = "approved" if approve else "declined"
    record(
        actor=user,
        action=f"covenants.capex_{verb}",
        obj=request,
        facility=request.facility,
        summary=(
            f"Capex request for {money_text(request.amount)} in {request.year} {verb}"
            + (f": {request.comment}" if request.comment else "")
        ),
        changes={"status": ["pending", request.status]},
    )
    queue_covenant_email(subject=request, event="capex_decided")
    return request
