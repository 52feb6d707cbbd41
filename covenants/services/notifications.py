"""Telling both sides what happened to a statement, a capex request or a breach case.

One service, sent by a task once the caller's transaction commits. Each
(subject, event) is sent once: a `CovenantNotification` row, unique per
subject and event, is written in the same transaction as the email is handed
to the mail backend, so a task run twice sends nothing more.

Who hears: the facility's bank analysts of a submitted statement and a capex
request; the borrower's users of a capex decision; both sides, and the facility's
relationship managers, of every step of a breach case.
"""

from typing import Literal

from django.conf import settings
from django.db import models

from abl.models import Facility, Role, User
from abl.outbox import enqueue
from abl.services.notifications import relationship_manager_addresses, send_once
from covenants.models import BreachCase, CapexRequest, CovenantNotification, StatementVersion

Side = Literal["bank", "borrower", "relationship_managers"]
EVENTS: dict[str, tuple[type[models.Model], tuple[Side, ...]]] = {
    "statement_submitted": (StatementVersion, ("bank",)),
    "capex_requested": (CapexRequest, ("bank",)),
    "capex_decided": (CapexRequest, ("borrower", "bank")),
    "breach_opened": (BreachCase, ("borrower", "bank", "relationship_managers")),
    "breach_resolved": (BreachCase, ("borrower", "bank", "relationship_managers")),
}


def queue_covenant_email(*, subject: models.Model, event: str) -> None:
    """Send the event's email once the caller's transaction commits."""
    from covenants.tasks import send_covenant_email_task

    model, _ = EVENTS[event]
    assert isinstance(subject, model), f"{event} is about a {model.__name__}"
    enqueue(send_covenant_email_task, event, subject.pk)


def _facility(subject: models.Model) -> Facility:
    if isinstance(subject, StatementVersion):
        return subject.statement.facility
    assert isinstance(subject, CapexRequest | BreachCase)
    return subject.facility


def recipients(facility: Facility, sides: tuple[Side, ...]) -> list[str]:
    people = User.objects.none()
    if "bank" in sides:
        people |= User.objects.filter(role=Role.ANALYST, organisation=facility.lender_id)
    if "borrower" in sides:
        people |= User.objects.filter(role=Role.BORROWER, organisation=facility.borrower_id)
    addresses = list(
        people.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if "relationship_managers" in sides:
        addresses += relationship_manager_addresses(facility)
    return sorted(set(addresses))


def send_covenant_email(*, event: str, subject_id: int) -> CovenantNotification | None:
    """Email the event's recipients, once; None when sent before or nobody is to hear."""
    model, sides = EVENTS[event]
    subject = model._default_manager.get(pk=subject_id)
    facility = _facility(subject)
    to = recipients(facility, sides)
    if not to:
        return None
    return send_once(
        lambda: CovenantNotification.objects.create(
            subject_type=model.__name__, subject_id=subject_id, event=event, recipients=to
        ),
        template=f"covenants/email/{event}",
        context={"object": subject, "facility": facility, "site_url": settings.SITE_URL},
        to=to,
    )
