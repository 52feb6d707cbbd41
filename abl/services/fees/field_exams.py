"""Field exams (§9; docs/fees.md): scheduled and recorded by an analyst. The letter caps the
charges, not the exams: one beyond the year's most charged is held with the bank's reason and
is not charged."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction

from abl import business_date
from abl.access import may_keep_books
from abl.audit import record
from abl.calc import fees as rules
from abl.calc.money import money_text
from abl.locks import lock_facility
from abl.models import Facility, FieldExam, User
from abl.services.errors import FeeRefused
from abl.services.terms import newest_terms


def _exam_fee(facility: Facility) -> tuple[Decimal, int]:
    terms = newest_terms([facility]).get(facility.pk)
    if terms is None or terms.fees is None:
        return Decimal("2700.00"), 3
    return terms.fees.field_exam.typical, terms.fees.field_exam.max_per_year


def require_keeper(actor: User) -> None:
    """Refused unless `actor` keeps the fee ledger (field exams and the base rates)."""
    if not may_keep_books(actor):
        raise FeeRefused("Only an ABL analyst schedules and records field exams and base rates.")


@transaction.atomic
def schedule_field_exam(
    *, facility: Facility, actor: User, scheduled_for: dt.date, notes: str = "", reason: str = ""
) -> FieldExam:
    """An analyst schedules a field exam. One beyond the year's most charged (counting the
    year's exams done and those still scheduled) needs the reason the bank holds it."""
    require_keeper(actor)
    facility = lock_facility(facility)
    fee, most = _exam_fee(facility)
    year = scheduled_for.year
    number = (
        FieldExam.objects.filter(facility=facility, charge_year=year).count()
        + FieldExam.objects.filter(
            facility=facility, done_on__isnull=True, scheduled_for__year=year
        ).count()
        + 1
    )
    if refusal := rules.field_exam_hold_refusal(
        year=year, number=number, max_per_year=most, reason=reason
    ):
        raise FeeRefused(refusal, field="reason")
    exam = FieldExam.objects.create(
        facility=facility,
        scheduled_for=scheduled_for,
        fee=fee,
        notes=notes,
        hold_reason=reason.strip(),
        scheduled_by=actor,
    )
    beyond = rules.field_exam_not_charged(year=year, number=number, max_per_year=most)
    record(
        actor=actor,
        action="fees.field_exam_scheduled",
        obj=exam,
        facility=facility,
        summary=f"Field exam scheduled for {scheduled_for}"
        + (f", held beyond the {most} charged: {exam.hold_reason}" if beyond else ""),
        changes={"scheduled_for": scheduled_for.isoformat(), "hold_reason": exam.hold_reason},
    )
    return exam


@transaction.atomic
def record_field_exam(
    *,
    exam: FieldExam,
    actor: User,
    done_on: dt.date,
    fee: Decimal,
    notes: str = "",
    reason: str = "",
) -> FieldExam:
    """An analyst records an exam as done with its actual fee: its place among the year's exams.

    Refused when it is already recorded, done after the business date, or its fee is not
    more than zero. One beyond the year's most charged is recorded, not charged (§9), and
    needs the reason the bank holds it (given now or when it was scheduled).
    """
    require_keeper(actor)
    facility = lock_facility(exam.facility_id)
    exam = FieldExam.objects.select_for_update().get(pk=exam.pk)
    if exam.is_done:
        raise FeeRefused(f"Field exam {exam.pk} is already recorded as done on {exam.done_on}.")
    if done_on > business_date.today():
        raise FeeRefused(
            f"The done date {done_on} is after today's business date {business_date.today()}.",
            field="done_on",
        )
    if fee <= 0:
        raise FeeRefused("A field exam's fee must be more than zero.", field="fee")
    _, most = _exam_fee(facility)
    year = done_on.year
    number = FieldExam.objects.filter(facility=facility, charge_year=year).count() + 1
    hold_reason = reason.strip() or exam.hold_reason
    if refusal := rules.field_exam_hold_refusal(
        year=year, number=number, max_per_year=most, reason=hold_reason
    ):
        raise FeeRefused(refusal, field="reason")
    exam.done_on, exam.fee, exam.recorded_by = done_on, fee, actor
    exam.charge_year, exam.charge_number = year, number
    exam.not_charged = rules.field_exam_not_charged(year=year, number=number, max_per_year=most)
    exam.hold_reason = hold_reason if exam.not_charged else exam.hold_reason
    exam.notes = notes or exam.notes
    try:
        with transaction.atomic():
            exam.save()
    except IntegrityError:  # the database's last line: a place already taken
        raise FeeRefused(f"{year} already has field exam {number} recorded.") from None
    record(
        actor=actor,
        action="fees.field_exam_recorded",
        obj=exam,
        facility=facility,
        summary=f"Field exam done {done_on}, fee {money_text(fee)} ({number} of {year})"
        + (f"; {exam.not_charged} Held: {exam.hold_reason}" if exam.not_charged else ""),
        changes={
            "done_on": done_on.isoformat(),
            "fee": str(fee),
            "not_charged": exam.not_charged,
            "hold_reason": exam.hold_reason,
        },
    )
    return exam
