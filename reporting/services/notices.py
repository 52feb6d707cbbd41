"""Emails of the reporting cadence: a switch of frequency, and reminders of what is due.

Both go to the borrower's users and the facility's analysts (the bank's), and a switch or an
overdue report to the facility's relationship managers too, one email to each side, once: a switch carries `notified_at`, set in the same transaction as the email
is handed to the mail backend under the switch's row lock; a reminder is a
`Reminder` row, unique per due item and kind, written the same way. A task run
twice (or given back after its worker died) sends nothing more.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from abl import business_date
from abl.models import Facility, Role, User
from abl.services.notifications import relationship_manager_addresses
from reporting.calc.reminders import REMINDER_KINDS, reminder_due
from reporting.models import DueItem, FrequencySwitch, Reminder


def recipients(facility: Facility, *, relationship_managers: bool = True) -> dict[str, list[str]]:
    """Who hears, by side: the borrower's users, the analysts of the facility's bank and (unless
    told not to) the facility's relationship managers."""
    sides = {
        "borrower": User.objects.filter(role=Role.BORROWER, organisation_id=facility.borrower_id),
        "bank": User.objects.filter(role=Role.ANALYST, organisation_id=facility.lender_id),
    }
    found = {
        side: sorted(
            people.filter(is_active=True).exclude(email="").values_list("email", flat=True)
        )
        for side, people in sides.items()
    }
    if relationship_managers:
        found["relationship_managers"] = relationship_manager_addresses(facility)
    return found


def _send(template: str, context: dict[str, object], to: dict[str, list[str]]) -> list[str]:
    """One email to each side that has someone to hear it (neither sees the other's addresses)."""
    context = {**context, "site_url": settings.SITE_URL}
    subject = render_to_string(f"reporting/email/{template}_subject.txt", context)
    body = render_to_string(f"reporting/email/{template}.txt", context)
    sent = []
    for addresses in to.values():
        if addresses:
            send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, addresses)
            sent += addresses
    return sent


@transaction.atomic
def notify_frequency_switch(*, switch_id: int) -> bool:
    """Email a switch of frequency, once; False when it was sent before or nobody is to hear."""
    switch = (
        FrequencySwitch.objects.select_for_update(of=("self",))
        .select_related("facility")
        .get(pk=switch_id)
    )
    if switch.notified_at is not None:
        return False
    sent = _send(
        "frequency_switched",
        {"switch": switch, "facility": switch.facility},
        recipients(switch.facility),
    )
    switch.notified_at, switch.recipients = timezone.now(), sent
    switch.save(update_fields=["notified_at", "recipients"])
    return bool(sent)


def reminders_due(*, on: dt.date) -> list[tuple[int, str]]:
    """(item id, kind) of every reminder to send on `on`: open items, the latest kind come, not sent."""
    before = settings.ABL_REMINDER_DAYS_BEFORE
    after = settings.ABL_REMINDER_DAYS_AFTER
    items = DueItem.objects.open().filter(due_on__lte=on + dt.timedelta(days=before))
    sent = set(Reminder.objects.filter(item__in=items).values_list("item_id", "kind"))
    found: list[tuple[int, str]] = []
    # Unordered: each reminder is a task of its own (the model's order sorts by kind's collation).
    for item_id, due_on in items.order_by().values_list("pk", "due_on"):
        kind = reminder_due(due_on, on=on, days_before=before, days_after=after)
        if kind is not None and (item_id, kind) not in sent:
            found.append((item_id, kind))
    return found


def send_reminder(*, item_id: int, kind: str) -> Reminder | None:
    """Remind of an open due item, once per kind; None when sent before, fulfilled or nobody hears."""
    if kind not in REMINDER_KINDS:
        raise ValueError(f"no such reminder: {kind!r}")
    item = DueItem.objects.select_related("facility").get(pk=item_id)
    if item.status != DueItem.Status.OPEN:
        return None
    # The relationship managers hear of a report once it is overdue, not of every reminder.
    to = recipients(item.facility, relationship_managers=kind == "after")
    if not any(to.values()):
        return None
    on = business_date.today()
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                item=item,
                kind=kind,
                sent_on=on,
                recipients=sorted(a for side in to.values() for a in side),
            )
            context = {"item": item, "facility": item.facility, "kind": kind, "on": on}
            _send("reminder", context, to)
    except IntegrityError:
        return None  # sent before: the task ran twice
    return reminder
