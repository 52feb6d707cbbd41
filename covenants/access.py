"""Who may do what with statements, capex requests and breach cases; 404 for the rest.

Objects are reached through the facilities the user may see (abl.access), so
another borrower's ids reveal nothing. Each `*_refusal` says why the user may
not act now, or None when they may; services and pages both ask it.
"""

from django.http import Http404

from abl.access import facilities_for, may_report
from abl.models import Facility, Role, User
from covenants.models import BreachCase, CapexRequest, ComplianceCertificate, StatementVersion


def statement_refusal(user: User, facility: Facility) -> str | None:
    """Only a user of the facility's borrower submits, restates or projects its statements."""
    if not may_report(user, facility):
        return "Only the borrower's own users submit financial statements."
    return None


def acceptance_refusal(user: User, version: StatementVersion) -> str | None:
    if user.role != Role.ANALYST:
        return "Only an ABL analyst accepts a financial statement."
    if version.accepted_at is not None:
        return "This statement version is already accepted."
    if version.statement.current_id != version.pk:
        return "Only the newest version of a statement is accepted; this one was restated."
    if version.certified_by_id == user.pk:
        return "Nobody accepts a statement they certified."
    return None


def capex_request_refusal(user: User, facility: Facility) -> str | None:
    if not may_report(user, facility):
        return "Only the borrower's own users ask for capex approval."
    return None


def capex_decision_refusal(user: User, request: CapexRequest) -> str | None:
    """Why the user may not approve or decline the request now, or None when they may."""
    if user.role != Role.ANALYST:
        return "Only an ABL analyst decides a capex request."
    if request.status != CapexRequest.Status.PENDING:
        return f"This request is already {request.get_status_display().lower()}."
    if request.requested_by_id == user.pk:
        return "Nobody decides a capex request they made."
    return None


def breach_resolution_refusal(user: User, case: BreachCase) -> str | None:
    if user.role != Role.ANALYST:
        return "Only an ABL analyst resolves a breach case."
    if case.status != BreachCase.Status.OPEN:
        return f"This case is already resolved ({case.get_status_display().lower()})."
    return None


def get_version_for_user(user: User, pk: int) -> StatementVersion:
    try:
        return StatementVersion.objects.select_related(
            "statement__facility__borrower", "statement__facility__lender", "certified_by"
        ).get(pk=pk, statement__facility__in=facilities_for(user))
    except StatementVersion.DoesNotExist:
        raise Http404("No such statement") from None


def get_certificate_for_user(user: User, version_pk: int) -> ComplianceCertificate:
    try:
        return ComplianceCertificate.objects.select_related("statement_version__statement").get(
            statement_version__pk=version_pk,
            statement_version__statement__facility__in=facilities_for(user),
        )
    except ComplianceCertificate.DoesNotExist:
        raise Http404("No such certificate") from None


def get_case_for_user(user: User, pk: int) -> BreachCase:
    try:
        return BreachCase.objects.select_related("facility", "statement").get(
            pk=pk, facility__in=facilities_for(user)
        )
    except BreachCase.DoesNotExist:
        raise Http404("No such case") from None


def get_capex_request_for_user(user: User, pk: int) -> CapexRequest:
    try:
        return CapexRequest.objects.select_related("facility", "requested_by").get(
            pk=pk, facility__in=facilities_for(user)
        )
    except CapexRequest.DoesNotExist:
        raise Http404("No such request") from None
