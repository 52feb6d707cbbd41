"""Telling the other side what happened to an advance request (§7, "told at once").

A request and a withdrawal e-mail the facility's bank analysts; a decision (an
approval, a decline) the borrower's users; a first approval above its approver's
limit both the borrower and the other analysts (one of whom approves second).
Queued through the outbox by the service that changed the request, sent by a
task: an `AdvanceNotice` row, unique per request and event, is written with the
sending, so a task run twice e-mails once. Money is formatted, links are
`SITE_URL`'s.
"""

from django.conf import settings
from django.db.models import QuerySet

from abl.models import AdvanceNotice, AdvanceRequest, Role, User
from abl.outbox import enqueue
from abl.services.notifications import send_once

Event = AdvanceNotice.Event


def queue_advance_notice(*, advance: AdvanceRequest, event: str) -> None:
    """E-mail the event once the caller's transaction commits."""
    from abl.tasks import send_advance_notice_task

    enqueue(send_advance_notice_task, advance.pk, event)


def advance_notice_recipients(advance: AdvanceRequest, event: str) -> list[str]:
    """Who hears of the event: the analysts of the facility's bank, the borrower's users, or
    (a first approval) both, the analyst who approved first excepted."""
    facility = advance.facility
    analysts: QuerySet[User] = User.objects.filter(role=Role.ANALYST, organisation=facility.lender)
    borrower = User.objects.filter(role=Role.BORROWER, organisation=facility.borrower)
    if event in {Event.REQUESTED, Event.WITHDRAWN}:
        people = analysts
    elif event == Event.FIRST_APPROVED:
        people = analysts.exclude(pk=advance.first_approved_by_id or 0) | borrower
    else:
        people = borrower
    addresses = people.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(addresses))


def send_advance_notice(*, advance_id: int, event: str) -> AdvanceNotice | None:
    """E-mail the event's recipients, once; None when already sent or nobody is to hear."""
    advance = AdvanceRequest.objects.select_related(
        "facility__lender",
        "facility__borrower",
        "requested_by",
        "decided_by",
        "first_approved_by",
        "withdrawn_by",
    ).get(pk=advance_id)
    to = advance_notice_recipients(advance, event)
    if not to:
        return None
    return send_once(
        lambda: AdvanceNotice.objects.create(advance=advance, event=event, recipients=to),
        template=f"abl/email/advance_{event}",
        context={"advance": advance, "site_url": settings.SITE_URL},
        to=to,
    )
