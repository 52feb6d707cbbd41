"""Who may see what. Every view and API reaches facilities through here.

Borrower users see their own borrower's facilities; relationship managers the
facilities in their portfolio; analysts and admins every facility. Anything
else answers 404, so another borrower's ids reveal nothing.
"""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from abl.models import (
    AdvanceRequest,
    Certificate,
    DefaultEvent,
    Facility,
    Organisation,
    Role,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, for a view behind @login_required (never anonymous there)."""
    assert isinstance(request.user, User)
    return request.user


def facilities_for(user: User) -> QuerySet[Facility]:
    facilities = Facility.objects.select_related("borrower", "lender")
    if not user.is_authenticated or not user.is_active:
        return facilities.none()
    if user.role in {Role.ANALYST, Role.ADMIN}:
        return facilities.all()
    if user.role == Role.RELATIONSHIP_MANAGER:
        return facilities.filter(relationship_managers=user)
    if user.role == Role.BORROWER and user.organisation_id:
        return _borrowed_by(facilities, user.organisation_id)
    return facilities.none()


def facilities_of_organisation(organisation: Organisation) -> QuerySet[Facility]:
    """The facilities an organisation is party to: a bank's those it lends, a borrower's those it
    borrows. Its borrower users see these; its webhook endpoints are told of these alone."""
    facilities = Facility.objects.select_related("borrower", "lender")
    if organisation.kind == Organisation.Kind.BANK:
        return facilities.filter(lender_id=organisation.pk)
    return _borrowed_by(facilities, organisation.pk)


def organisations_party_to(facility_id: int) -> list[int]:
    """The organisations whose `facilities_of_organisation` holds this facility: its lender and
    its borrower (the same rule, read from the facility's side; a test proves they agree)."""
    parties = Facility.objects.filter(pk=facility_id).values_list("lender_id", "borrower_id")
    return list(parties.first() or ())


def _borrowed_by(facilities: QuerySet[Facility], organisation_id: int) -> QuerySet[Facility]:
    return facilities.filter(borrower_id=organisation_id)


def get_facility_for_user(user: User, pk: int) -> Facility:
    try:
        return facilities_for(user).get(pk=pk)
    except Facility.DoesNotExist:
        raise Http404("No such facility") from None


def require_role(user: User, *roles: str) -> None:
    """Raise 404 unless the user has one of the roles (bank pages stay invisible)."""
    if user.role not in roles:
        raise Http404("Not found")


def get_certificate_for_user(user: User, pk: int) -> Certificate:
    """A certificate of a facility the user may see, or 404 (its computations are read
    when a page asks for them, not joined here)."""
    try:
        return Certificate.objects.select_related("facility__borrower", "facility__lender").get(
            pk=pk, facility__in=facilities_for(user)
        )
    except Certificate.DoesNotExist:
        raise Http404("No such certificate") from None


def may_report(user: User, facility: Facility) -> bool:
    """Whether the user acts for this facility's borrower: reports its collateral and
    statements, asks for advances and capex, acknowledges terms. Only a user of its borrower."""
    return user.role == Role.BORROWER and user.organisation_id == facility.borrower_id


def review_refusal(user: User, certificate: Certificate) -> str | None:
    """Why the user may not approve or return this certificate now, or None when they may."""
    if user.role != Role.ANALYST:
        return "Only an ABL analyst can review certificates."
    if certificate.status != Certificate.Status.SUBMITTED:
        return (
            "Only a submitted certificate can be reviewed; "
            f"this one is {certificate.get_status_display()}."
        )
    if user.pk in {certificate.submitted_by_id, certificate.created_by_id}:
        return "Nobody approves or returns a certificate they prepared or submitted."
    return None


def may_review(user: User, certificate: Certificate) -> bool:
    return review_refusal(user, certificate) is None


def may_keep_books(user: User) -> bool:
    """Whether the user keeps the bank's books of its loans: records repayments and
    collections on the ledger, field exams and the base rate series. Only an ABL analyst."""
    return user.role == Role.ANALYST


def advance_decision_refusal(user: User, advance: AdvanceRequest) -> str | None:
    """Why the user may not approve or decline this advance request now, or None when they may.

    The approver is an ABL analyst, never the requester nor anyone of the borrower.
    """
    if user.role != Role.ANALYST:
        return "Only an ABL analyst can approve or decline an advance."
    if user.pk == advance.requested_by_id:
        return "Nobody approves or declines an advance they requested."
    if user.organisation_id is not None and user.organisation_id == advance.facility.borrower_id:
        return "Nobody of the borrower approves or declines its advances."
    if advance.status != AdvanceRequest.Status.REQUESTED:
        return f"Advance request {advance.pk} is already {advance.get_status_display().lower()}."
    return None


def may_decide_advance(user: User, advance: AdvanceRequest) -> bool:
    return advance_decision_refusal(user, advance) is None


def advance_approval_refusal(user: User, advance: AdvanceRequest) -> str | None:
    """Why the user may not approve this request now, or None (§7): a decision's refusal, or
    the request awaits a second approval and the user gave the first."""
    if refusal := advance_decision_refusal(user, advance):
        return refusal
    if advance.first_approved_by_id == user.pk:
        return (
            f"{user.username} approved advance request {advance.pk} first: "
            "the second approval is another analyst's."
        )
    return None


def withdrawal_refusal(user: User, advance: AdvanceRequest) -> str | None:
    """Why the user may not withdraw this request now, or None (§7): a user of the borrower,
    until it is decided."""
    if not may_report(user, advance.facility):
        return f"Only a user of {advance.facility.borrower} withdraws its advance requests."
    if advance.status != AdvanceRequest.Status.REQUESTED:
        return f"Advance request {advance.pk} is already {advance.get_status_display().lower()}."
    return None


def default_end_refusal(user: User, event: DefaultEvent, *, confirming: bool) -> str | None:
    """Why the user may not propose (or, `confirming`, confirm) the end of this event of default.

    Both are ABL analysts, none of the borrower, and the one who confirms is not the one who
    proposed: a cure or a waiver takes two analysts (§7).
    """
    if user.role != Role.ANALYST:
        return "Only an ABL analyst cures or waives an event of default."
    if user.organisation_id is not None and user.organisation_id == event.facility.borrower_id:
        return "Nobody of the borrower cures or waives its event of default."
    if event.ended_on is not None:
        return (
            f"Event of default {event.pk} already ended on {event.ended_on} "
            f"({event.get_ending_display().lower()})."
        )
    if not confirming:
        if event.ending:
            return (
                f"A {event.get_ending_display().lower()} of event of default {event.pk} already "
                f"awaits a second analyst's confirmation."
            )
        return None
    if not event.ending:
        return f"Nobody has proposed to cure or waive event of default {event.pk} yet."
    if user.pk == event.proposed_by_id:
        return (
            f"A second analyst confirms the {event.get_ending_display().lower()}: "
            "not the analyst who proposed it."
        )
    return None


def may_end_default(user: User, event: DefaultEvent, *, confirming: bool) -> bool:
    return default_end_refusal(user, event, confirming=confirming) is None


def get_advance_for_user(user: User, pk: int) -> AdvanceRequest:
    """An advance request of a facility the user may see, or 404."""
    try:
        return AdvanceRequest.objects.select_related(
            "facility__borrower", "requested_by", "decided_by"
        ).get(pk=pk, facility__in=facilities_for(user))
    except AdvanceRequest.DoesNotExist:
        raise Http404("No such advance request") from None


def may_manage_webhooks(user: User) -> bool:
    """Whether the user keeps their organisation's webhook endpoints: the bank's administrators,
    and a borrower's users (who report for it, so may be told of its events)."""
    organisation = user.organisation if user.is_authenticated and user.is_active else None
    if organisation is None:
        return False
    if user.role == Role.ADMIN:
        return organisation.kind == Organisation.Kind.BANK
    return user.role == Role.BORROWER


def get_endpoint_for_user(user: User, pk: int) -> WebhookEndpoint:
    """A webhook endpoint of the user's organisation, if they keep its webhooks, or 404."""
    if not may_manage_webhooks(user) or user.organisation_id is None:
        raise Http404("Not found")
    try:
        return WebhookEndpoint.objects.get(pk=pk, organisation_id=user.organisation_id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404("No such webhook endpoint") from None


def get_delivery_for_user(user: User, pk: int) -> WebhookDelivery:
    """A delivery to a webhook endpoint of the user's organisation, if they keep its webhooks,
    or 404."""
    if not may_manage_webhooks(user) or user.organisation_id is None:
        raise Http404("Not found")
    try:
        return WebhookDelivery.objects.select_related("endpoint", "event").get(
            pk=pk, endpoint__organisation_id=user.organisation_id
        )
    except WebhookDelivery.DoesNotExist:
        raise Http404("No such webhook delivery") from None
