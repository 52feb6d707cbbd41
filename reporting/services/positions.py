"""The portfolio dashboard's line per facility (FacilityPosition), measured by the rules that own
each figure, for a batch of facilities in a fixed number of queries.

- Availability: `reporting.services.cadence.read_all`, as `measure_all` reads it (live availability: the latest
  approved certificate and the ledger's outstanding on the business date), the frequency
  in force from the cadence, staleness by `abl.calc.loans.current_until` (§7).
- Due items: the open items of the due calendar; overdue when past their date.
- Covenants: the newest tested actual statement's results, open breach cases, projections
  after the business date that fail (`reporting.calc.position.covenant_standing`).
- Fees: the fee ledger's charges posted in the business date's month (for the month before).

`refresh_positions` writes them (locks the facilities' rows first, so two refreshes of a
facility run one after the other and the later one measures the later state). It runs
after every audited action on a facility (`queue_refresh`, on commit, from the audit
trail's signal: reporting/apps.py) and for every facility after the nightly close.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber

from abl import business_date
from abl.calc import loans as availability_rules
from abl.calc.money import ZERO
from abl.models import Facility
from abl.models.fees import FeeCharge
from abl.outbox import enqueue
from abl.services.loans.default import defaults_standing
from abl.services.terms import parsed_terms
from covenants.calc.report import result_from_data
from covenants.models import BreachCase, FinancialStatement
from reporting.calc import position as rules
from reporting.models import Cadence, DueItem, FacilityPosition
from reporting.services.cadence import _stored_pct, read_all
from reporting.services.next_due import next_dues

BATCH = 500
FIELDS = [
    f.name
    for f in FacilityPosition._meta.concrete_fields
    if f.name not in {"facility", "refreshed_at"}
] + ["refreshed_at"]


def positions_of(facility_ids: list[int], *, on: dt.date) -> list[FacilityPosition]:
    """The facilities' positions on `on`, unsaved; a fixed number of queries for any batch."""
    facilities = list(Facility.objects.filter(pk__in=facility_ids).values_list("pk", "name"))
    ids = [pk for pk, _ in facilities]
    defaulted = defaults_standing(ids, on=on)
    read = read_all(on=on, facility_ids=ids)
    measures = {m.facility_id: m for m in read.measures}
    parsed = parsed_terms(read.newest_terms.values())
    terms = {facility_id: parsed[pk] for facility_id, (pk, _) in read.newest_terms.items()}
    cadences = {
        facility_id: (frequency, since)
        for facility_id, frequency, since in Cadence.objects.filter(
            facility_id__in=ids
        ).values_list("facility_id", "frequency", "since")
    }
    due = _due(ids, on=on)
    covenants = _newest_covenant_results(ids)
    breaches = _counts(BreachCase.objects.filter(status=BreachCase.Status.OPEN), ids)
    projected = _counts(
        FinancialStatement.objects.filter(
            kind=FinancialStatement.Kind.PROJECTION,
            period_end__gt=on,
            current__latest_test__failed=True,
        ),
        ids,
    )
    month = _month_charged_in(on)
    fees = dict(
        FeeCharge.objects.filter(facility_id__in=ids, period=month)
        .values("facility_id")
        .annotate(total=Sum("amount"))
        .values_list("facility_id", "total")
    )
    positions = []
    for pk, name in facilities:
        measure = measures.get(pk)
        figures = measure.figures if measure is not None else None
        facility_terms = terms.get(pk)
        frequency, since = cadences.get(pk, (None, None))
        frequency = frequency or (figures.reporting_frequency if figures else "")
        certificate_as_of = measure.certificate_as_of if measure is not None else None
        stale = False
        if measure is not None and frequency:
            stale = availability_rules.certificate_stale(
                measure.certificate_as_of,
                on=on,
                frequency=frequency,  # type: ignore[arg-type]
                rules=measure.reporting.due_rules,
                since=since,
            )
        next_certificate, next_financials, overdue, overdue_since = due.get(
            pk, (None, None, 0, None)
        )
        open_breaches = breaches.get(pk, 0)
        period_end, results = covenants.get(pk, (None, []))
        standing = rules.covenant_standing(results, open_breaches=open_breaches)
        in_default = pk in defaulted
        owed = figures.outstanding if figures is not None else read.outstanding.get(pk) or ZERO
        over_advanced = figures is not None and figures.excess_availability < 0
        exceptions = rules.exceptions_of(
            over_advanced=over_advanced,
            in_default=in_default,
            open_breaches=open_breaches,
            overdue_items=overdue,
            certificate_stale=stale,
        )
        positions.append(
            FacilityPosition(
                facility_id=pk,
                name=name,
                as_of=on,
                commitment=facility_terms.facility.commitment if facility_terms else None,
                certificate_id=measure.certificate_id if measure is not None else None,
                certificate_as_of=certificate_as_of,
                certificate_stale=stale,
                borrowing_base=figures.borrowing_base if figures else None,
                reserves=figures.reserves if figures else None,
                line_cap=figures.line_cap if figures else None,
                outstanding=owed,
                excess_availability=figures.excess_availability if figures else None,
                excess_availability_pct=_pct(figures.excess_availability_pct) if figures else None,
                utilisation=_pct(rules.utilisation(owed, figures.line_cap if figures else None)),
                over_advanced=over_advanced,
                frequency=frequency,
                next_certificate_due=next_certificate,
                next_financials_due=next_financials,
                overdue_items=overdue,
                overdue_since=overdue_since,
                covenant_status=standing.status,
                covenants_period_end=period_end,
                tightest_covenant=standing.tightest,
                tightest_headroom_pct=_headroom(standing.tightest_headroom_pct),
                open_breaches=open_breaches,
                projected_breaches=projected.get(pk, 0),
                in_default=in_default,
                fees_month=month,
                fees_this_month=fees.get(pk) or ZERO,
                exceptions=exceptions,
                exception_count=len(exceptions),
            )
        )
    return positions


def refresh_positions(*, facility_ids: list[int] | None = None, on: dt.date | None = None) -> int:
    """Measure and store the positions of these facilities (every facility when None), in
    batches of BATCH, each its own transaction. Returns how many were stored."""
    on = on or business_date.today()
    ids = facility_ids
    if ids is None:
        ids = list(Facility.objects.order_by("pk").values_list("pk", flat=True))
    stored = 0
    for batch in _batches(sorted(set(ids))):
        stored += _refresh_batch(batch, on=on)
    return stored


@transaction.atomic
def _refresh_batch(facility_ids: list[int], *, on: dt.date) -> int:
    # The facilities' rows, locked in id order: refreshes of a facility queue here. No key
    # update: rows that refer to a facility (its ledger, its audit events) are still written.
    locked = list(
        Facility.objects.select_for_update(no_key=True)
        .filter(pk__in=facility_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    positions = positions_of(locked, on=on)
    FacilityPosition.objects.bulk_create(
        positions,
        update_conflicts=True,
        unique_fields=["facility"],
        update_fields=[name for name in FIELDS if name != "facility"],
    )
    return len(positions)


def queue_refresh(facility_id: int) -> None:
    """Refresh the facility's position by a task once the caller's transaction commits.

    Each audit event queues one; an action of several events refreshes the facility
    several times, one after the other (the lock), each measuring the committed state.
    Robust: a refresh that fails (in-process, where tasks run eagerly) is logged and
    never fails the action that committed; the nightly close measures the line again.
    """
    from reporting.tasks import refresh_positions_task

    enqueue(refresh_positions_task, [facility_id], robust=True)


def _month_charged_in(on: dt.date) -> dt.date:
    """The month whose fees and interest are charged in `on`'s month: the one before it (the fee
    ledger posts a month once it has ended, on the 1st of the next; docs/fees.md)."""
    return (on.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _pct(value: Decimal | None) -> Decimal | None:
    """A fraction as stored beside the cadence's: to 8 places."""
    return None if value is None else _stored_pct(value)


def _headroom(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.000001"))


def _due(
    ids: list[int], *, on: dt.date
) -> dict[int, tuple[dt.date | None, dt.date | None, int, dt.date | None]]:
    """Per facility: the next certificate and financials due dates (§6, the one rule:
    reporting/services/next_due.py), how many open items of the calendar are overdue on `on`,
    and the due date of the oldest of them."""
    overdue: dict[int, int] = defaultdict(int)
    oldest: dict[int, dt.date] = {}
    items = DueItem.objects.open().filter(facility_id__in=ids, due_on__lt=on)  # is_overdue
    for facility_id, due_on in items.order_by("due_on", "id").values_list("facility_id", "due_on"):
        overdue[facility_id] += 1
        oldest.setdefault(facility_id, due_on)
    found = next_dues(ids, on=on)
    return {
        pk: (
            found[pk].certificate_due_on,
            found[pk].financials_due_on,
            overdue.get(pk, 0),
            oldest.get(pk),
        )
        for pk in ids
    }


def _newest_covenant_results(ids: list[int]) -> dict[int, tuple[dt.date, list[Any]]]:
    """The newest tested actual statement of each facility: its period end and its results."""
    rows = (
        FinancialStatement.objects.filter(
            facility_id__in=ids,
            kind=FinancialStatement.Kind.ACTUAL,
            current__latest_test__isnull=False,
        )
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("facility_id")], order_by=F("period_end").desc()
            )
        )
        .filter(rank=1)
        .values_list("facility_id", "period_end", "current__latest_test__results")
    )
    return {
        facility_id: (period_end, [result_from_data(r) for r in results])
        for facility_id, period_end, results in rows
    }


def _counts(queryset: Any, ids: list[int]) -> dict[int, int]:
    return dict(
        queryset.filter(facility_id__in=ids)
        .values("facility_id")
        .annotate(n=Count("pk"))
        .values_list("facility_id", "n")
    )
