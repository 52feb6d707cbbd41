"""Telling people what happened to a certificate: one service, sent by a task on commit.

The analysts of the facility's bank are emailed when a certificate is
submitted; the borrower's users when it is approved or returned (with the
analyst's comment). Each certificate event is sent once: a `Notification` row,
unique per certificate and event, is written in the same transaction as the
email is handed to the mail backend, so a task run twice sends nothing more.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from abl.models import Certificate, Notification, Role, User
from abl.outbox import enqueue

Event = Notification.Event


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
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                certificate=certificate, event=event, recipients=to
            )
            context = {"certificate": certificate, "site_url": settings.SITE_URL}
            subject = render_to_string(f"abl/email/certificate_{event}_subject.txt", context)
            body = render_to_string(f"abl/email/certificate_{event}.txt", context)
            send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, to)
    except IntegrityError:
        return None  # sent before: the task ran twice
    return notification
