"""What waits for the analyst: one rule per queue, read by its page and by the home's counts.

Each queue is a queryset of the facilities the user may see (abl/access.py),
oldest first; the home page counts the same queryset its queue lists, so the
two never disagree.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from abl.access import facilities_for
from abl.models import AdvanceRequest, Certificate, User


def certificates_to_review(user: User) -> QuerySet[Certificate]:
    """Submitted certificates, waiting for the analyst to approve or return them."""
    return (
        Certificate.objects.filter(
            status=Certificate.Status.SUBMITTED, facility__in=facilities_for(user)
        )
        .select_related("facility__borrower", "submitted", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def advances_to_decide(user: User) -> QuerySet[AdvanceRequest]:
    """Advance requests waiting for a decision."""
    return (
        AdvanceRequest.objects.in_flight()
        .filter(facility__in=facilities_for(user))
        .select_related("facility__borrower", "requested_by", "first_approved_by")
        .order_by("requested_at", "pk")
    )


@dataclass(frozen=True)
class Waiting:
    """How many items each of the analyst's queues holds."""

    certificates: int
    advances: int
    statements: int


def waiting_for(user: User) -> Waiting:
    from covenants.services.queries import statements_to_accept

    return Waiting(
        certificates=certificates_to_review(user).count(),
        advances=advances_to_decide(user).count(),
        statements=statements_to_accept(user).count(),
    )
