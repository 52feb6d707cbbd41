"""Re-evaluating a facility's reporting frequency (§6): after every approved certificate,
advance and repayment (queued on commit), and for every facility in the nightly close.

The measure is live availability (abl/services/loans/availability.py): the latest approved
certificate's line cap and the ledger's outstanding on the business date. The
cadence (abl/calc/frequency.py) moves with the cure period; a change of
frequency is a `FrequencySwitch` holding the figures that caused it, audited,
and emailed to the borrower's users and the analysts once (a task on commit).
The first frequency a facility is given is recorded too (from nothing) but
not emailed: the approval of its first certificate has just been.

`reevaluate_facility` serves one facility; `reevaluate_all` (the nightly close)
serves every facility in a fixed number of queries. Both end in `_apply`, so a
facility measured the same way gets the same answer either way, and running
either twice on the same date changes nothing the second time.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Sum, Window
from django.db.models.functions import RowNumber

from abl import business_date
from abl.audit import record
from abl.calc import frequency as cadence_rules
from abl.calc import loans as availability_rules
from abl.calc.due import Due
from abl.calc.money import ZERO, money_text, pct_display
from abl.calc.terms.model import ReportingTerms
from abl.locks import lock_facilities, lock_facility
from abl.models import Certificate, Facility, LedgerEntry, TermsVersion
from abl.outbox import enqueue
from abl.services.terms import current_facility_terms, parsed_terms
from abl.webhooks import services as webhooks
from abl.webhooks.calc import events
from reporting.models import Cadence, FrequencySwitch
from reporting.services import calendar
from reporting.services.next_due import Received, received_of

CADENCE_FIELDS = [
    "frequency",
    "since",
    "above_since",
    "excess_availability",
    "excess_availability_pct",
    "measured_on",
]


@dataclass(frozen=True)
class Measure:
    """One facility's availability on a date, with the terms that judge it."""

    facility_id: int
    certificate_id: int
    certificate_as_of: dt.date
    figures: availability_rules.Availability
    reporting: ReportingTerms


@dataclass(frozen=True)
class Readings:
    """What `read_all` read of the facilities: each measured (those with an approved
    certificate and terms), and of every facility read its newest terms version's key
    (id, created_at: parse with `abl.services.terms.parsed_terms`) and its ledger balance on the date."""

    measures: list[Measure]
    newest_terms: dict[int, tuple[int, dt.datetime]]
    outstanding: dict[int, Decimal]


def queue_reevaluation(facility_id: int, trigger: str) -> None:
    """Re-evaluate the facility's frequency by a task, once the caller's transaction commits."""
    from reporting.tasks import reevaluate_frequency_task

    enqueue(reevaluate_frequency_task, facility_id, trigger)


def measure_facility(facility: Facility, *, on: dt.date) -> Measure | None:
    """The facility's live availability on `on`; None before its first approved certificate."""
    from abl.services.loans import live_availability

    live = live_availability(facility, on=on)
    if live.figures is None or live.certificate is None:
        return None
    terms = current_facility_terms(facility)
    return Measure(
        facility.pk, live.certificate.pk, live.certificate.as_of, live.figures, terms.reporting
    )


@transaction.atomic
def reevaluate_facility(
    *, facility_id: int, on: dt.date | None = None, trigger: str = ""
) -> FrequencySwitch | None:
    """Measure one facility and move its cadence; the switch when the frequency changed.

    Locks the facility's row, then its cadence row (abl/locks.py), before the switch is
    audited: re-evaluations, approvals and repayments of one facility run one after the
    other.
    """
    on = on or business_date.today()
    facility = lock_facility(facility_id)
    cadence = Cadence.objects.select_for_update().filter(facility_id=facility_id).first()
    measure = measure_facility(facility, on=on)
    if measure is None:
        return None
    cadences = {facility_id: cadence} if cadence is not None else {}
    switches = _apply([measure], cadences, on=on, trigger=trigger)
    return switches[0] if switches else None


def measure_all(*, on: dt.date, facility_ids: list[int] | None = None) -> list[Measure]:
    """Every facility with an approved certificate (or those of `facility_ids`), measured as
    `measure_facility` does, set-based."""
    return read_all(on=on, facility_ids=facility_ids).measures


def read_all(*, on: dt.date, facility_ids: list[int] | None = None) -> Readings:
    """Every facility (or those of `facility_ids`) read for `measure_all`, in three queries."""
    newest_first = [F("as_of").desc(), F("reviewed_at").desc()]  # as latest_approved() orders
    # order_by(): no model ordering, which would sort every row again after the window
    # (the terms by their facility's name, through a join).
    approved = Certificate.objects.order_by().filter(
        status=Certificate.Status.APPROVED, as_of__lte=on, approved__isnull=False
    )
    versions = TermsVersion.objects.order_by()
    entries = LedgerEntry.objects.order_by().filter(value_date__lte=on)
    if facility_ids is not None:
        approved = approved.filter(facility_id__in=facility_ids)
        versions = versions.filter(facility_id__in=facility_ids)
        entries = entries.filter(facility_id__in=facility_ids)
    certificates = {
        facility_id: (certificate_id, as_of, figures)
        for facility_id, certificate_id, as_of, figures in approved.annotate(
            rank=Window(RowNumber(), partition_by=[F("facility_id")], order_by=newest_first)
        )
        .filter(rank=1)
        .values_list("facility_id", "pk", "as_of", "approved__figures")
    }
    newest_terms = {
        facility_id: (terms_id, created)
        for facility_id, terms_id, created in versions.annotate(
            rank=Window(RowNumber(), partition_by=[F("facility_id")], order_by=F("version").desc())
        )
        .filter(rank=1)
        .values_list("facility_id", "pk", "created_at")
    }
    measured = sorted(certificates.keys() & newest_terms.keys())
    parsed = parsed_terms(newest_terms[facility_id] for facility_id in measured)
    heads = [
        (facility_id, certificates[facility_id], parsed[newest_terms[facility_id][0]])
        for facility_id in measured
    ]
    outstanding = dict(
        entries.values("facility_id")
        .annotate(total=Sum("amount"))
        .values_list("facility_id", "total")
    )
    measures = []
    for facility_id, (certificate_id, as_of, approved), terms in heads:
        commitment = terms.facility.commitment
        measures.append(
            Measure(
                facility_id,
                certificate_id,
                as_of,
                availability_rules.availability(
                    borrowing_base=Decimal(approved["borrowing_base"]),
                    reserves=Decimal(approved["reserves"]),
                    line_cap=min(Decimal(approved["line_cap"]), commitment),
                    commitment=commitment,
                    outstanding=outstanding.get(facility_id) or ZERO,
                    basis=terms.reporting.basis,
                    threshold_pct=terms.reporting.threshold_pct,
                ),
                terms.reporting,
            )
        )
    return Readings(measures, newest_terms, outstanding)


@transaction.atomic
def reevaluate_all(*, on: dt.date) -> tuple[int, list[FrequencySwitch]]:
    """The nightly pass: every facility measured and its cadence moved, at once.

    Every facility's row is locked first (abl/locks.py: the lock order), then the
    cadence table (EXCLUSIVE: pages still read it, a single re-evaluation waits for
    the close to commit and then measures again), then every facility is measured.
    Returns how many were measured, and the switches.
    """
    lock_facilities()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Cadence._meta.db_table} IN EXCLUSIVE MODE")
    measures = measure_all(on=on)
    cadences = {c.facility_id: c for c in Cadence.objects.all()}
    return len(measures), _apply(measures, cadences, on=on, trigger="nightly close")


def _as_rule(cadence: Cadence) -> cadence_rules.Cadence:
    return cadence_rules.Cadence(cadence.frequency, cadence.since, cadence.above_since)  # type: ignore[arg-type]


def _apply(
    measures: list[Measure], cadences: dict[int, Cadence], *, on: dt.date, trigger: str
) -> list[FrequencySwitch]:
    """Move each facility's cadence by its measure; record, audit and queue emails for switches."""
    new: list[Cadence] = []
    changed: list[Cadence] = []
    switching: list[tuple[Measure, Cadence, str]] = []
    plans: dict[int, tuple[Cadence, list[Due]]] = {}
    made_until = calendar.last_close_before(on)
    for measure in measures:
        figures, reporting = measure.figures, measure.reporting
        current = cadences.get(measure.facility_id)
        previous = current.frequency if current is not None else ""
        after = cadence_rules.next_cadence(
            _as_rule(current) if current is not None else None,
            figures.excess_availability_pct,
            on=on,
            threshold_pct=reporting.threshold_pct,
            cure_days=reporting.cure_days,
        )
        state = {
            "frequency": after.frequency,
            "since": after.since,
            "above_since": after.above_since,
            "excess_availability": figures.excess_availability,
            "excess_availability_pct": _stored_pct(figures.excess_availability_pct),
            "measured_on": on,
        }
        if current is None:
            current = Cadence(facility_id=measure.facility_id, started_on=on, **state)
            new.append(current)
        elif any(
            getattr(current, name) != value
            for name, value in state.items()
            if name != "measured_on"
        ):
            for name, value in state.items():
                setattr(current, name, value)
            changed.append(current)
        planned = calendar.planned_items(
            cadence=current, rules=reporting.due_rules, on=on, made_until=made_until
        )
        plans[measure.facility_id] = (current, planned)
        if after.frequency != previous:
            switching.append((measure, current, previous))
    received = received_of([measure.facility_id for measure, _, _ in switching], on=on)
    switches = [
        _switch(measure, cadence, previous, received[measure.facility_id], on=on, trigger=trigger)
        for measure, cadence, previous in switching
    ]
    Cadence.objects.bulk_create(new)
    _update_cadences(changed)
    FrequencySwitch.objects.bulk_create(switches)
    for switch in switches:
        _audit(switch)
    switched = [plans[s.facility_id][0] for s in switches]
    calendar.bring_calendar_up_to_date(plans=plans, switched=switched, on=on)
    notify = [s.pk for s in switches if s.from_frequency]
    for switch in switches:
        if switch.from_frequency:
            _publish(switch)
    if notify:
        from reporting.tasks import notify_frequency_switch_task

        for pk in notify:
            enqueue(notify_frequency_switch_task, pk)
    return switches


def _update_cadences(cadences: list[Cadence]) -> None:
    """Write the changed cadences: on PostgreSQL one UPDATE joined to the new values as arrays.

    Django's bulk_update writes a CASE with a branch per row, which PostgreSQL
    evaluates for every row: quadratic, seconds for 10,000 facilities. A join on
    unnest() of one array per column is linear, with seven parameters in all.
    """
    if not cadences:
        return
    if connection.vendor != "postgresql":
        Cadence.objects.bulk_update(cadences, CADENCE_FIELDS)
        return
    columns: dict[str, tuple[str, list[Any]]] = {
        "id": ("bigint", [c.pk for c in cadences]),
        "frequency": ("varchar", [c.frequency for c in cadences]),
        "since": ("date", [c.since for c in cadences]),
        "above_since": ("date", [c.above_since for c in cadences]),
        "excess": ("numeric", [c.excess_availability for c in cadences]),
        "pct": ("numeric", [c.excess_availability_pct for c in cadences]),
        "measured_on": ("date", [c.measured_on for c in cadences]),
    }
    arrays = ", ".join(f"%s::{kind}[]" for kind, _ in columns.values())
    # Only identifiers are formatted in; every value is a parameter.
    sql = (
        f"UPDATE {Cadence._meta.db_table} AS c SET frequency = v.frequency, "  # noqa: S608
        "since = v.since, above_since = v.above_since, excess_availability = v.excess, "
        "excess_availability_pct = v.pct, measured_on = v.measured_on, updated_at = now() "
        f"FROM unnest({arrays}) AS v({', '.join(columns)}) WHERE c.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [values for _, values in columns.values()])


def _stored_pct(pct: Decimal) -> Decimal:
    return pct.quantize(Decimal("0.00000001"))


def _switch(
    measure: Measure,
    cadence: Cadence,
    previous: str,
    received: Received,
    *,
    on: dt.date,
    trigger: str,
) -> FrequencySwitch:
    """The switch record; its next due is the first certificate owed from the switch on and
    not received (abl.calc.due: one rule for "next due")."""
    figures = measure.figures
    frequency: cadence_rules.Frequency = cadence.frequency  # type: ignore[assignment]
    next_due = measure.reporting.due_rules.next_due(
        "certificate", frequency, owed_from=on, received_through=received.certificates_through
    )
    return FrequencySwitch(
        facility_id=measure.facility_id,
        on=on,
        from_frequency=previous,
        to_frequency=cadence.frequency,
        certificate_id=measure.certificate_id,
        borrowing_base=figures.borrowing_base,
        line_cap=figures.line_cap,
        outstanding=figures.outstanding,
        excess_availability=figures.excess_availability,
        excess_availability_pct=_stored_pct(figures.excess_availability_pct),
        threshold_pct=measure.reporting.threshold_pct,
        cure_days=measure.reporting.cure_days,
        next_due=next_due.due_on,
        trigger=trigger[:200],
    )


def _publish(switch: FrequencySwitch) -> None:
    """Tell the endpoints of a switch from one frequency to another (not the first setting)."""
    webhooks.publish(
        events.FREQUENCY_SWITCHED,
        facility=Facility(pk=switch.facility_id),
        data={
            "from": switch.from_frequency,
            "to": switch.to_frequency,
            "on": switch.on.isoformat(),
            "excess_availability": str(switch.excess_availability),
            "excess_availability_pct": str(switch.excess_availability_pct),
            "next_certificate_due": switch.next_due.isoformat(),
        },
    )


def _audit(switch: FrequencySwitch) -> None:
    pct = pct_display(switch.excess_availability_pct) * 100
    start = switch.from_frequency or "not set"
    record(
        actor=None,
        action="reporting.frequency_switched",
        obj=switch,
        facility=Facility(pk=switch.facility_id),
        summary=f"Reporting {start} → {switch.to_frequency} on {switch.on}: excess availability "
        f"{money_text(switch.excess_availability)} ({pct:.2f}%, line cap "
        f"{money_text(switch.line_cap)}, outstanding {money_text(switch.outstanding)}); "
        f"next certificate due {switch.next_due}",
        changes={
            "from": switch.from_frequency,
            "to": switch.to_frequency,
            "excess_availability": str(switch.excess_availability),
            "excess_availability_pct": str(switch.excess_availability_pct),
            "outstanding": str(switch.outstanding),
            "line_cap": str(switch.line_cap),
            "next_due": switch.next_due.isoformat(),
            "trigger": switch.trigger,
        },
    )
