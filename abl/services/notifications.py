"""Telling people what happened to a certificate: one service, sent by a task on commit.

The analysts of the facility's bank are emailed when a certificate is
submitted; the borrower's users when it is approved or returned (with the
analyst's comment). Each certificate event is sent once: a `Notification` row,
unique per certificate and event, is written in the same transaction as the
email is handed to the mail backend, so a task run twice sends nothing more.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from abl.models import Certificate, DefaultEvent, Facility, Notification, Role, User
from abl.outbox import enqueue

Event = Notification.Event
Sent = TypeVar("Sent")


def send_once(
    written: Callable[[], Sent], *, template: str, context: dict[str, Any], to: list[str]
) -> Sent | None:
    """E-mail `template` (its `_subject.txt` and `.txt`) to `to` once: `written()` writes the
    row that says it was sent, unique per event, in the transaction that hands the e-mail to
    the mail backend. A task run twice finds the row there and sends nothing: None."""
    try:
        with transaction.atomic():
            sent = written()
            subject = render_to_string(f"{template}_subject.txt", context)
            body = render_to_string(f"{template}.txt", context)
            send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, to)
    except IntegrityError:
        return None  # sent before: the task ran twice
    return sent


def queue_certificate_notification(*, certificate: Certificate, event: str) -> None:
    """Send the event's email once the caller's transaction commits."""
    from abl.tasks import send_certificate_notification_task

    enqueue(send_certificate_notification_task, certificate.pk, event)


def recipients(certificate: Certificate, event: str) -> list[str]:
    """Who hears of the event: the bank's analysts, or the borrower's users."""
    if event == Event.SUBMITTED:
        people = User.objects.filter(role=Role.ANALYST, organisation=certificate.facility.lender)
    else:
        people = User.objects.filter(role=Role.BORROWER, organisation=certificate.facility.borrower)
    return sorted(people.filter(is_active=True).exclude(email="").values_list("email", flat=True))


def send_certificate_notification(*, certificate_id: int, event: str) -> Notification | None:
    """Email the event's recipients, once; None when it was already sent or nobody is to hear."""
    certificate = Certificate.objects.select_related(
        "facility__lender", "facility__borrower", "reviewed_by"
    ).get(pk=certificate_id)
    to = recipients(certificate, event)
    if not to:
        return None
    return send_once(
        lambda: Notification.objects.create(certificate=certificate, event=event, recipients=to),
        template=f"abl/email/certificate_{event}",
        context={"certificate": certificate, "site_url": settings.SITE_URL},
        to=to,
    )


# The relationship managers (issue 23): the RMs of a facility hear of its events of default,
# frequency switches, overdue reports and breaches. Kept apart from the certificate emails
# above; reporting/services/notices.py and covenants/services/notifications.py ask
# `relationship_manager_addresses` for the same people.


def relationship_manager_addresses(facility: Facility | int) -> list[str]:
    """The active relationship managers who have the facility in their portfolio, by address."""
    facility_id = facility if isinstance(facility, int) else facility.pk
    people = User.objects.filter(
        role=Role.RELATIONSHIP_MANAGER, is_active=True, portfolio__pk=facility_id
    ).exclude(email="")
    return sorted(set(people.values_list("email", flat=True)))


def default_email_sides(facility: Facility) -> dict[str, list[str]]:
    """Who hears of an event of default, by side: its RMs, the bank's analysts, the borrower."""

    def addresses(**where: object) -> list[str]:
        people = User.objects.filter(is_active=True, **where).exclude(email="")
        return sorted(people.values_list("email", flat=True))

    return {
        "relationship_managers": relationship_manager_addresses(facility),
        "bank": addresses(role=Role.ANALYST, organisation_id=facility.lender_id),
        "borrower": addresses(role=Role.BORROWER, organisation_id=facility.borrower_id),
    }


def queue_default_email(*, event: DefaultEvent, what: str) -> None:
    """Email an event of default `declared` or `ended` once the caller's transaction commits."""
    from abl.tasks import send_default_email_task

    assert what in DEFAULT_EMAILS, what
    enqueue(send_default_email_task, event.pk, what)


DEFAULT_EMAILS = {"declared": "notified_declared_at", "ended": "notified_ended_at"}


@transaction.atomic
def send_default_email(*, event_id: int, what: str) -> bool:
    """Email each side of the event's facility once (its row marks it sent, under its lock);
    False when sent before or nobody is to hear."""
    from abl.services.loans import live_availability

    marker = DEFAULT_EMAILS[what]
    event = (
        DefaultEvent.objects.select_for_update(of=("self",))
        .select_related("facility", "proposed_by", "confirmed_by")
        .get(pk=event_id)
    )
    if getattr(event, marker) is not None:
        return False
    facility = event.facility
    context = {
        "event": event,
        "facility": facility,
        "live": live_availability(facility),
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string(f"abl/email/default_{what}_subject.txt", context)
    body = render_to_string(f"abl/email/default_{what}.txt", context)
    sent = []
    for addresses in default_email_sides(facility).values():
        if addresses:
            send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, addresses)
            sent += addresses
    setattr(event, marker, timezone.now())
    event.save(update_fields=[marker])
    return bool(sent)
