"""The calendar of what is due: certificates and financial statements (§6), and their fulfilment.

Due items are made from the facility's cadence (abl/calc/due.py): every
certificate of the current frequency falling due from the last switch up to the
next one, every month's financial statements from the day the calendar started.
A switch supersedes the old frequency's items not yet due (overdue ones stay
open and overdue). An item is fulfilled when a report for its period arrives:

- a certificate submitted as of a date fulfils every open certificate item
  whose period ends on or before it (abl/services/certificates.py calls
  `fulfil_certificate_items` when a certificate is submitted);
- financial statements: the covenants app calls `fulfil_due_item(facility=…,
  kind="financials", period_end=…, actor=…, fulfilled_with="covenants.X:id")`
  when a borrower submits them; the item is made if the calendar has not
  reached it yet.

Fulfilling twice changes nothing the second time.
"""

import datetime as dt

from django.db import transaction
from django.db.models import CharField, F, OuterRef, QuerySet, Subquery, Value, Window
from django.db.models.functions import Cast, Concat, RowNumber
from django.utils import timezone

from abl import business_date
from abl.audit import record
from abl.calc.due import Due, DueRules
from abl.calc.frequency import Frequency
from abl.models import Certificate, Facility, User
from reporting.models import Cadence, DailyClose, DueItem

Kind = DueItem.Kind
Status = DueItem.Status
REPORTED = (Certificate.Status.SUBMITTED, Certificate.Status.APPROVED)
FEW = 1000  # fewer facilities than this are looked up by id; more, the whole range is read


def planned_items(
    *, cadence: Cadence, rules: DueRules, on: dt.date, made_until: dt.date | None = None
) -> list[Due]:
    """The items the calendar holds on `on`: certificates since the switch, financials since the start.

    `made_until` is the last close's business date: the items falling due from
    it on are planned again (a close makes every item up to the next due date
    after it), the older ones were made then and are not looked at again.
    """
    frequency: Frequency = cadence.frequency  # type: ignore[assignment]
    since, started = cadence.since, cadence.started_on
    if made_until is not None:
        since, started = max(since, made_until), max(started, made_until)
    certificates = rules.schedule("certificate", frequency, start=since, on=on)
    financials = rules.schedule("financials", None, start=started, on=on)
    return certificates + financials


def last_close_before(on: dt.date) -> dt.date | None:
    """The business date of the last nightly close before `on`, if any."""
    found: dt.date | None = (
        DailyClose.objects.filter(business_date__lt=on)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    return found


def bring_calendar_up_to_date(
    *, plans: dict[int, tuple[Cadence, list[Due]]], switched: list[Cadence], on: dt.date
) -> int:
    """Make the planned items that are missing, supersede what a switch replaced, fulfil the reported.

    Set-based: one SELECT of the items already made (from the earliest planned
    due date on); when some are missing, one SELECT of the latest reported
    certificate of their facilities and one INSERT of them all, those it covers
    made fulfilled; and three UPDATEs per switch. Run twice, the second run
    changes nothing. Returns the number of items made.
    """
    planned = [(facility_id, due) for facility_id, (_, dues) in plans.items() for due in dues]
    if not planned:
        return 0
    made = DueItem.objects.order_by().filter(due_on__gte=min(due.due_on for _, due in planned))
    if len(plans) < FEW:  # one facility's re-evaluation; the nightly close reads them all
        made = made.filter(facility_id__in=list(plans))
    existing = set(made.values_list("facility_id", "kind", "frequency", "period_end"))
    missing = [
        (facility_id, due)
        for facility_id, due in planned
        if (facility_id, due.kind, due.frequency, due.period_end) not in existing
    ]
    if missing:
        reported = _latest_reported({facility_id for facility_id, _ in missing})
        DueItem.objects.bulk_create(
            [
                _item(facility_id, due, reported.get(facility_id), on)
                for facility_id, due in missing
            ],
            ignore_conflicts=True,
        )
    for cadence in switched:
        _supersede_other_frequency(cadence.facility_id, cadence)
    if switched:
        _fulfil_reported(sorted(c.facility_id for c in switched), on)
    return len(missing)


def _latest_reported(facility_ids: set[int]) -> dict[int, tuple[dt.date, int, int | None]]:
    """Each facility's latest submitted certificate (as of, id, by whom), as `_fulfil_reported`
    finds it."""
    certificates = Certificate.objects.order_by().filter(status__in=REPORTED)
    if len(facility_ids) < FEW:
        certificates = certificates.filter(facility_id__in=facility_ids)
    newest_first = [F("as_of").desc(), F("submitted_at").desc()]
    return {
        facility_id: (as_of, pk, submitted_by_id)
        for facility_id, as_of, pk, submitted_by_id in certificates.annotate(
            rank=Window(RowNumber(), partition_by=[F("facility_id")], order_by=newest_first)
        )
        .filter(rank=1)
        .values_list("facility_id", "as_of", "pk", "submitted_by_id")
    }


def _item(
    facility_id: int, due: Due, reported: tuple[dt.date, int, int | None] | None, on: dt.date
) -> DueItem:
    """A new due item; fulfilled at once when a submitted certificate already covers its period."""
    item = DueItem(
        facility_id=facility_id,
        kind=due.kind,
        frequency=due.frequency,
        period_end=due.period_end,
        due_on=due.due_on,
    )
    if due.kind == Kind.CERTIFICATE and reported is not None and due.period_end <= reported[0]:
        _, certificate_id, submitted_by_id = reported
        item.status, item.fulfilled_on, item.fulfilled_at = Status.FULFILLED, on, timezone.now()
        item.fulfilled_by_id = submitted_by_id
        item.fulfilled_with = f"abl.Certificate:{certificate_id}"
    return item


def _supersede_other_frequency(facility_id: int, cadence: Cadence) -> None:
    DueItem.objects.filter(
        facility_id=facility_id,
        kind=Kind.CERTIFICATE,
        status=Status.OPEN,
        due_on__gte=cadence.since,
    ).exclude(frequency=cadence.frequency).update(status=Status.SUPERSEDED)
    # A switch back re-opens the items of this frequency it had superseded.
    DueItem.objects.filter(
        facility_id=facility_id,
        kind=Kind.CERTIFICATE,
        status=Status.SUPERSEDED,
        frequency=cadence.frequency,
        due_on__gte=cadence.since,
    ).update(status=Status.OPEN)


def _fulfil_reported(facility_ids: list[int], on: dt.date) -> int:
    """Open certificate items whose period a submitted certificate already covers: one UPDATE."""
    latest = Certificate.objects.filter(
        facility_id=OuterRef("facility_id"), status__in=REPORTED
    ).order_by("-as_of", "-submitted_at")
    return DueItem.objects.filter(
        facility_id__in=facility_ids,
        kind=Kind.CERTIFICATE,
        status=Status.OPEN,
        period_end__lte=Subquery(latest.values("as_of")[:1]),
    ).update(
        status=Status.FULFILLED,
        fulfilled_on=on,
        fulfilled_at=timezone.now(),
        fulfilled_by_id=Subquery(latest.values("submitted_by_id")[:1]),
        fulfilled_with=Concat(
            Value("abl.Certificate:"),
            Cast(Subquery(latest.values("pk")[:1]), output_field=CharField()),
        ),
    )


def _fulfil(
    items: QuerySet[DueItem], *, on: dt.date, actor_id: int | None, fulfilled_with: str
) -> int:
    return items.filter(status=Status.OPEN).update(
        status=Status.FULFILLED,
        fulfilled_on=on,
        fulfilled_at=timezone.now(),
        fulfilled_by_id=actor_id,
        fulfilled_with=fulfilled_with,
    )


def fulfil_certificate_items(*, certificate: Certificate, actor: User) -> int:
    """A certificate was submitted: every open certificate item up to its as-of date is fulfilled.

    Called inside the submitting transaction; audited when it fulfils something.
    """
    count = _fulfil(
        DueItem.objects.filter(
            facility_id=certificate.facility_id,
            kind=Kind.CERTIFICATE,
            period_end__lte=certificate.as_of,
        ),
        on=business_date.today(),
        actor_id=actor.pk,
        fulfilled_with=f"abl.Certificate:{certificate.pk}",
    )
    if count:
        record(
            actor=actor,
            action="reporting.due_fulfilled",
            obj=certificate,
            facility=certificate.facility,
            summary=f"Certificate as of {certificate.as_of} fulfils {count} certificate(s) due",
            changes={"items": count},
        )
    return count


def reopen_certificate_items(*, certificate: Certificate, actor: User) -> int:
    """A certificate was returned: the items its submission fulfilled are open again.

    Unless another submitted certificate covers them. Called inside the
    returning transaction; audited when it re-opens something.
    """
    count = DueItem.objects.filter(
        facility_id=certificate.facility_id,
        kind=Kind.CERTIFICATE,
        status=Status.FULFILLED,
        fulfilled_with=f"abl.Certificate:{certificate.pk}",
    ).update(
        status=Status.OPEN,
        fulfilled_on=None,
        fulfilled_at=None,
        fulfilled_by=None,
        fulfilled_with="",
    )
    if count:
        _fulfil_reported([certificate.facility_id], business_date.today())
        record(
            actor=actor,
            action="reporting.due_reopened",
            obj=certificate,
            facility=certificate.facility,
            summary=f"Certificate as of {certificate.as_of} returned: "
            f"{count} certificate(s) due are open again",
            changes={"items": count},
        )
    return count


@transaction.atomic
def fulfil_due_item(
    *,
    facility: Facility,
    kind: str,
    period_end: dt.date,
    actor: User | None,
    fulfilled_with: str,
) -> DueItem | None:
    """A report for the period ending `period_end` arrived: its due item is fulfilled.

    For financial statements the item is made when the calendar has not reached
    it (the facility's terms give its due date). Returns the item, or None when
    there is none to fulfil (a certificate period the calendar never planned).
    Already fulfilled: returned unchanged.
    """
    if kind not in Kind.values:
        raise ValueError(f"no such due item kind: {kind!r}")
    items = DueItem.objects.select_for_update().filter(
        facility=facility, kind=kind, period_end=period_end
    )
    item = items.order_by("-status").first()  # "open" sorts after "fulfilled"
    if item is None and kind == Kind.FINANCIALS:
        from abl.services.terms import current_facility_terms

        due = current_facility_terms(facility).reporting.due_rules.due_for(
            "financials", None, period_end
        )
        item, _ = DueItem.objects.get_or_create(
            facility=facility,
            kind=kind,
            frequency="",
            period_end=period_end,
            defaults={"due_on": due.due_on},
        )
    if item is None or item.status == Status.FULFILLED:
        return item
    item.status = Status.FULFILLED
    item.fulfilled_on = business_date.today()
    item.fulfilled_at = timezone.now()
    item.fulfilled_by = actor
    item.fulfilled_with = fulfilled_with
    item.save()
    record(
        actor=actor,
        action="reporting.due_fulfilled",
        obj=item,
        facility=facility,
        summary=f"{item.get_kind_display()} for {period_end} received ({fulfilled_with})",
        changes={"fulfilled_with": fulfilled_with, "due_on": item.due_on.isoformat()},
    )
    return item


def calendar_for(facility: Facility, *, kind: str | None = None) -> list[DueItem]:
    """The facility's due items (of one kind, when given), newest first: the calendar page,
    and the financial statements owed on the financial reporting page."""
    items = (
        DueItem.objects.filter(facility=facility)
        if kind is None
        else DueItem.objects.filter(facility=facility, kind=kind)
    )
    return list(
        items.exclude(status=Status.SUPERSEDED)
        .select_related("fulfilled_by")
        .order_by("-due_on", "kind")
    )
