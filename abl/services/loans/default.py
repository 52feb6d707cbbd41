"""Events of default (§7; docs/loans.md).

Declared by the bank (or a covenant case, as the system); no advance is approved while one
stands. It ends only by a cure or a waiver that one analyst proposes (with its reason, and a
waiver with its signed document) and a second, different analyst confirms; it ends on the
business date of the confirmation, and advances resume that day.

Which event stands on a date is `default_standing` (one facility) and `defaults_standing`
(many), both through `DefaultEvent.objects.standing_on`: every page, command and rule asks
them.
"""

import datetime as dt
import hashlib

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from abl import business_date
from abl.access import default_end_refusal
from abl.audit import record
from abl.locks import lock_facility
from abl.models import DefaultEvent, Facility, Role, User
from abl.services.errors import LoanRefused
from abl.webhooks import services as webhooks
from abl.webhooks.calc import events

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
ENDINGS = {"cure": DefaultEvent.Ending.CURE, "waiver": DefaultEvent.Ending.WAIVER}


def default_standing(facility: Facility | int, *, on: dt.date) -> DefaultEvent | None:
    """The event of default in force on the business date `on`, or None: the one predicate."""
    facility_id = facility if isinstance(facility, int) else facility.pk
    return DefaultEvent.objects.filter(facility_id=facility_id).standing_on(on).first()


def defaults_standing(facility_ids: list[int], *, on: dt.date) -> dict[int, dt.date]:
    """The facilities in default on `on`, each with the date its standing event was declared."""
    return dict(
        DefaultEvent.objects.filter(facility_id__in=facility_ids)
        .standing_on(on)
        .values_list("facility_id", "declared_on")
    )


def _require_bank(user: User | None, what: str) -> None:
    if user is not None and user.role not in {Role.ANALYST, Role.ADMIN}:
        raise LoanRefused(f"Only the bank {what}.")


@transaction.atomic
def declare_event_of_default(
    *, facility: Facility, on: dt.date, reason: str, user: User | None
) -> DefaultEvent:
    """Put the facility in default from `on`: no advance is approved until it is ended.

    Already in default: the standing event, unchanged (a covenant case declaring again is
    harmless). `user` None is the system (a task).
    """
    facility = lock_facility(facility)
    _require_bank(user, "declares an event of default")
    if not reason.strip():
        raise LoanRefused(
            "Say why: an event of default is declared with its reason.", field="reason"
        )
    standing = DefaultEvent.objects.filter(facility=facility, ended_on__isnull=True).first()
    if standing is not None:
        return standing
    event = DefaultEvent.objects.create(
        facility=facility, declared_on=on, reason=reason.strip()[:1000], declared_by=user
    )
    record(
        actor=user,
        action="facility.default_declared",
        obj=event,
        facility=facility,
        summary=f"Event of default declared from {on}: {reason}",
        changes={"declared_on": on.isoformat(), "reason": reason},
    )
    from abl.services.notifications import queue_default_email

    queue_default_email(event=event, what="declared")
    webhooks.publish(
        events.DEFAULT_DECLARED,
        facility=facility,
        data={"event": event.pk, "declared_on": on.isoformat(), "reason": event.reason},
    )
    return event


def _waiver_document(document: File | None) -> tuple[bytes, str]:
    if document is None or not document.size:
        raise LoanRefused("Attach the signed waiver document.", field="document")
    if document.size > MAX_DOCUMENT_BYTES:
        raise LoanRefused(
            f"The waiver document is {document.size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}.",
            field="document",
        )
    return b"".join(document.chunks()), (document.name or "waiver")[-200:]


@transaction.atomic
def propose_default_end(
    *,
    facility: Facility,
    ending: str,
    reason: str,
    document: File | None = None,
    user: User,
) -> DefaultEvent:
    """An analyst proposes to end the standing event by a cure or a waiver (with its document).

    Nothing ends until a second analyst confirms (`confirm_default_end`).
    """
    if ending not in ENDINGS:
        raise LoanRefused(f"An event of default ends by a cure or a waiver, not {ending!r}.")
    if not reason.strip():
        raise LoanRefused(f"Say why: a {ending} is recorded with its reason.", field="reason")
    content, name = _waiver_document(document) if ending == "waiver" else (b"", "")
    facility = lock_facility(facility)
    event = (
        DefaultEvent.objects.select_for_update(of=("self",))
        .filter(facility=facility, ended_on__isnull=True)
        .first()
    )
    if event is None:
        raise LoanRefused(f"{facility} is not in default: there is nothing to cure or waive.")
    if refusal := default_end_refusal(user, event, confirming=False):
        raise LoanRefused(refusal)
    event.ending = ENDINGS[ending]
    event.ending_reason = reason.strip()[:1000]
    event.document = content
    event.document_name = name
    event.document_sha256 = hashlib.sha256(content).hexdigest() if content else ""
    event.proposed_by = user
    event.proposed_on = business_date.today()
    event.proposed_at = timezone.now()
    event.save()
    record(
        actor=user,
        action=f"facility.default_{ending}_proposed",
        obj=event,
        facility=facility,
        summary=(
            f"{event.get_ending_display()} of the event of default of {event.declared_on} "
            f"proposed, awaiting a second analyst: {event.ending_reason}"
        ),
        changes={
            "ending": ending,
            "reason": event.ending_reason,
            "document": name,
            "document_sha256": event.document_sha256,
        },
    )
    return event


@transaction.atomic
def confirm_default_end(
    *, event: DefaultEvent, user: User, ending: str | None = None, note: str = ""
) -> DefaultEvent:
    """A second analyst confirms the proposed cure or waiver: the default ends today.

    `ending`, when given, must be the one proposed; `note`, the confirming analyst's own
    words, goes to the audit trail. Two confirmations at once: the facility's
    lock lets one through; the other finds the event ended and is refused.
    """
    lock_facility(event.facility_id)
    event = (
        DefaultEvent.objects.select_for_update(of=("self",))
        .select_related("facility")
        .get(pk=event.pk)
    )
    if refusal := default_end_refusal(user, event, confirming=True):
        raise LoanRefused(refusal)
    if ending is not None and ENDINGS.get(ending) != event.ending:
        raise LoanRefused(
            f"Event of default {event.pk} awaits a {event.get_ending_display().lower()}, "
            f"not a {ending}: nothing was changed."
        )
    today = business_date.today()
    event.confirmed_by = user
    event.confirmed_at = timezone.now()
    event.ended_on = max(today, event.declared_on)
    event.save(update_fields=["confirmed_by", "confirmed_at", "ended_on"])
    record(
        actor=user,
        action=f"facility.default_{event.ending}_confirmed",
        obj=event,
        facility=event.facility,
        summary=(
            f"Event of default of {event.declared_on} ended on {event.ended_on} by "
            f"{event.get_ending_display().lower()} (proposed by {event.proposed_by}, confirmed "
            f"by {user}): {event.ending_reason}"
            + (f" Confirmed: {note.strip()}" if note.strip() else "")
        ),
        changes={
            "ended_on": event.ended_on.isoformat(),
            "ending": event.ending,
            "note": note.strip(),
        },
    )
    from abl.services.notifications import queue_default_email

    queue_default_email(event=event, what="ended")
    webhooks.publish(
        events.DEFAULT_ENDED,
        facility=event.facility,
        data={
            "event": event.pk,
            "ending": event.ending,
            "declared_on": event.declared_on.isoformat(),
            "ended_on": event.ended_on.isoformat(),
        },
    )
    return event
