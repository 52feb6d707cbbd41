"""What is due next for each facility (§6): the one reading every page, command and e-mail uses.

The rule is pure (`abl.calc.due.DueRules.next_due`); this reads what it needs,
set-based, in five queries for any number of facilities:

- the cadence: the frequency in force, since when (only periods falling due on or
  after the switch are owed) and the day the calendar started (the first
  approved certificate: nothing is owed before it);
- the newest terms: the due days, the weekday;
- received certificates: the latest submitted (or approved) certificate's as-of
  date, which covers every period up to it;
- received statements: the periods whose financial statements were submitted
  (the calendar's fulfilled items).

The home pages (`reporting.services.status.summaries`), `facility_status`, the
portfolio's positions and the switch record (and so its e-mail) all ask here.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Max, Window
from django.db.models.functions import RowNumber

from abl import business_date
from abl.calc.due import Due
from abl.calc.frequency import Frequency
from abl.calc.terms import FacilityTerms
from abl.models import Certificate, TermsVersion
from abl.services.terms import parsed_terms
from reporting.models import Cadence, DueItem

RECEIVED = (Certificate.Status.SUBMITTED, Certificate.Status.APPROVED)


@dataclass(frozen=True)
class NextDue:
    """A facility's next certificate and next financial statements: None while nothing is owed."""

    certificate: Due | None = None
    financials: Due | None = None

    @property
    def certificate_due_on(self) -> dt.date | None:
        return self.certificate.due_on if self.certificate is not None else None

    @property
    def financials_due_on(self) -> dt.date | None:
        return self.financials.due_on if self.financials is not None else None


@dataclass(frozen=True)
class Received:
    """What a facility has reported: the certificates up to an as-of date, the statements' periods."""

    certificates_through: dt.date | None
    statements: frozenset[dt.date]


def next_due_for(
    terms: FacilityTerms,
    frequency: Frequency,
    *,
    since: dt.date,
    started_on: dt.date,
    received: Received,
) -> NextDue:
    """The rule applied to one facility's cadence (`since`: the switch; `started_on`: the
    calendar's first day) and what it has reported."""
    rules = terms.reporting.due_rules
    return NextDue(
        certificate=rules.next_due(
            "certificate",
            frequency,
            owed_from=since,
            received_through=received.certificates_through,
        ),
        financials=rules.next_due(
            "financials", None, owed_from=started_on, received=received.statements
        ),
    )


def received_of(facility_ids: list[int], *, on: dt.date | None = None) -> dict[int, Received]:
    """What each facility had reported by the business date `on` (today when None), two queries.

    Statements: the calendar's items fulfilled on or before `on`. Certificates: today, the
    latest submitted or approved certificate's as-of date; on a past date, the calendar's
    certificate items fulfilled by then (the calendar records the business date each period
    was received).
    """
    today = business_date.today()
    on = on or today
    received = DueItem.objects.filter(
        facility_id__in=facility_ids, status=DueItem.Status.FULFILLED, fulfilled_on__lte=on
    )
    if on >= today:  # certificates from the certificates themselves, below
        received = received.filter(kind=DueItem.Kind.FINANCIALS)
    statements: dict[int, set[dt.date]] = {pk: set() for pk in facility_ids}
    through: dict[int, dt.date] = {}
    for facility_id, kind, period_end in received.values_list("facility_id", "kind", "period_end"):
        if kind == DueItem.Kind.FINANCIALS:
            statements[facility_id].add(period_end)
        elif on < today:
            through[facility_id] = max(period_end, through.get(facility_id, period_end))
    if on >= today:
        through = dict(
            Certificate.objects.order_by()
            .filter(facility_id__in=facility_ids, status__in=RECEIVED)
            .values("facility_id")
            .annotate(latest=Max("as_of"))
            .values_list("facility_id", "latest")
        )
    return {pk: Received(through.get(pk), frozenset(statements[pk])) for pk in facility_ids}


def next_dues(
    facility_ids: list[int],
    *,
    on: dt.date | None = None,
    cadences: dict[int, Cadence] | None = None,
) -> dict[int, NextDue]:
    """Each facility's next due (§6) on the business date `on` (today when None);
    `NextDue()` before its calendar starts. `cadences`: the facilities' already read."""
    if cadences is None:
        cadences = {c.facility_id: c for c in Cadence.objects.filter(facility_id__in=facility_ids)}
    ids = sorted(cadences)
    newest = {
        facility_id: (pk, created)
        for facility_id, pk, created in TermsVersion.objects.order_by()
        .filter(facility_id__in=ids)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("facility_id")], order_by=F("version").desc())
        )
        .filter(rank=1)
        .values_list("facility_id", "pk", "created_at")
    }
    parsed = parsed_terms(newest.values())
    received = received_of(ids, on=on)
    found = {pk: NextDue() for pk in facility_ids}
    for pk in ids:
        if pk not in newest:
            continue
        cadence = cadences[pk]
        found[pk] = next_due_for(
            parsed[newest[pk][0]],
            cadence.frequency,  # type: ignore[arg-type]
            since=cadence.since,
            started_on=cadence.started_on,
            received=received[pk],
        )
    return found
