"""Field exams (at most three charged a year; the bank may hold more, not charged) and the base rate series the analysts keep."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.calc.fees import Month
from abl.models import AuditEvent, BaseRate, FeeCharge, FieldExam
from abl.services import fees
from abl.services.fees import FeeRefused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-12-31"


def _exam(facility, analyst, scheduled_for, done_on=None, fee=Decimal("2700.00")):
    exam = fees.schedule_field_exam(facility=facility, actor=analyst, scheduled_for=scheduled_for)
    if done_on is not None:
        exam = fees.record_field_exam(exam=exam, actor=analyst, done_on=done_on, fee=fee)
    return exam


def test_an_exam_is_scheduled_with_the_typical_fee_and_recorded_with_the_actual(
    innotrac, abl_analyst
):
    exam = fees.schedule_field_exam(
        facility=innotrac, actor=abl_analyst, scheduled_for=dt.date(2003, 5, 12)
    )
    assert exam.fee == Decimal("2700.00")

    recorded = fees.record_field_exam(
        exam=exam, actor=abl_analyst, done_on=dt.date(2003, 5, 14), fee=Decimal("2950.00")
    )

    assert (recorded.done_on, recorded.fee) == (dt.date(2003, 5, 14), Decimal("2950.00"))
    assert (recorded.charge_year, recorded.charge_number) == (2003, 1)
    assert AuditEvent.objects.filter(action__startswith="fees.field_exam").count() == 2


BEYOND = (
    "Field exam 4 of 2003 is beyond the 3 charged per calendar year: give the reason the bank "
    "holds it (risk, a breach)."
)
NOT_CHARGED = "Not charged: field exam 4 of 2003, and at most 3 are charged per calendar year."


def test_a_fourth_exam_in_a_year_without_a_reason_is_refused_and_nothing_changes(
    innotrac, abl_analyst
):
    for month in (3, 6, 9):
        _exam(innotrac, abl_analyst, dt.date(2003, month, 10), done_on=dt.date(2003, month, 11))

    with pytest.raises(FeeRefused) as refusal:
        fees.schedule_field_exam(
            facility=innotrac, actor=abl_analyst, scheduled_for=dt.date(2003, 12, 1)
        )

    assert (str(refusal.value), refusal.value.field) == (BEYOND, "reason")
    assert FieldExam.objects.count() == 3


def test_a_fourth_exam_in_a_year_is_held_with_its_reason_and_not_charged(
    innotrac, abl_analyst, settings
):
    """§9: the letter caps the charges, not the exams."""
    for month in (3, 6, 9):
        _exam(innotrac, abl_analyst, dt.date(2003, month, 10), done_on=dt.date(2003, month, 11))

    fourth = fees.schedule_field_exam(
        facility=innotrac,
        actor=abl_analyst,
        scheduled_for=dt.date(2003, 12, 1),
        reason="Borrowing base breach in November",
    )
    done = fees.record_field_exam(
        exam=fourth, actor=abl_analyst, done_on=dt.date(2003, 12, 2), fee=Decimal("2700.00")
    )
    fees.set_base_rate(actor=abl_analyst, effective_date=dt.date(2003, 1, 1), rate=Decimal("0.04"))
    settings.ABL_BUSINESS_DATE = "2004-01-02"
    fees.post_fees(month=Month(2003, 12), actor=abl_analyst)
    statement = fees.fee_statement(facility=innotrac, month=Month(2003, 12))

    assert (done.charge_year, done.charge_number) == (2003, 4)
    assert (done.hold_reason, done.not_charged) == (
        "Borrowing base breach in November",
        NOT_CHARGED,
    )
    assert not done.is_charged
    assert not FeeCharge.objects.filter(field_exam=done).exists()
    exams = [line for line in statement.lines if line.kind == "field_exam"]
    assert [line.amount for line in exams] == [Decimal("2700.00")] * 3 + [Decimal("0.00")]
    line = exams[-1]
    assert line.date == dt.date(2003, 12, 2)
    assert line.description == (
        f"Field exam, done 2003-12-02. {NOT_CHARGED} Held: Borrowing base breach in November"
    )
    assert statement.total == sum(line.amount for line in statement.lines)
    audit = AuditEvent.objects.filter(action="fees.field_exam_recorded").latest("pk")
    assert audit.changes["not_charged"] == NOT_CHARGED


def test_recording_a_fourth_exam_done_in_a_year_needs_the_reason(innotrac, abl_analyst):
    # Scheduled for January 2004, done early, in December 2003, after three in 2003.
    early = _exam(innotrac, abl_analyst, dt.date(2004, 1, 5))
    for month in (3, 6, 9):
        _exam(innotrac, abl_analyst, dt.date(2003, month, 10), done_on=dt.date(2003, month, 11))

    with pytest.raises(FeeRefused, match="Field exam 4 of 2003 is beyond the 3 charged"):
        fees.record_field_exam(
            exam=early, actor=abl_analyst, done_on=dt.date(2003, 12, 20), fee=Decimal("2700.00")
        )
    early.refresh_from_db()
    assert early.done_on is None

    done = fees.record_field_exam(
        exam=early,
        actor=abl_analyst,
        done_on=dt.date(2003, 12, 20),
        fee=Decimal("2700.00"),
        reason="Dilution rising",
    )
    assert (done.charge_number, done.not_charged) == (4, NOT_CHARGED)


def test_an_exam_in_the_next_year_is_charged_again(innotrac, abl_analyst, settings):
    for month in (3, 6, 9):
        _exam(innotrac, abl_analyst, dt.date(2003, month, 10), done_on=dt.date(2003, month, 11))
    settings.ABL_BUSINESS_DATE = "2004-02-01"

    exam = _exam(innotrac, abl_analyst, dt.date(2004, 1, 12), done_on=dt.date(2004, 1, 13))

    assert (exam.charge_year, exam.charge_number) == (2004, 1)


def test_only_an_analyst_keeps_field_exams(innotrac, cfo):
    with pytest.raises(FeeRefused, match="Only an ABL analyst"):
        fees.schedule_field_exam(facility=innotrac, actor=cfo, scheduled_for=dt.date(2003, 5, 1))


def test_a_recorded_exam_is_charged_with_the_month_it_was_done(innotrac, abl_analyst):
    fees.set_base_rate(
        actor=abl_analyst, effective_date=dt.date(2003, 1, 1), rate=Decimal("0.0425")
    )
    exam = _exam(
        innotrac,
        abl_analyst,
        dt.date(2003, 5, 12),
        done_on=dt.date(2003, 5, 14),
        fee=Decimal("2950.00"),
    )

    fees.post_fees(month=Month(2003, 5))

    charge = FeeCharge.objects.get(kind="field_exam")
    assert (charge.field_exam, charge.date, charge.amount) == (
        exam,
        dt.date(2003, 5, 14),
        Decimal("2950.00"),
    )
    assert charge.description == "Field exam 1 of 2003, done 2003-05-14"


def test_a_base_rate_is_set_for_a_date_and_audited_with_the_one_it_replaces(abl_analyst):
    fees.set_base_rate(actor=abl_analyst, effective_date=dt.date(2003, 6, 27), rate=Decimal("0.04"))

    fees.set_base_rate(
        actor=abl_analyst, effective_date=dt.date(2003, 6, 27), rate=Decimal("0.0400")
    )
    fees.set_base_rate(
        actor=abl_analyst, effective_date=dt.date(2003, 6, 27), rate=Decimal("0.0425")
    )

    assert list(BaseRate.objects.values_list("effective_date", "rate")) == [
        (dt.date(2003, 6, 27), Decimal("0.042500"))
    ]
    event = AuditEvent.objects.filter(action="fees.base_rate_set").latest("id")
    assert event.summary == "prime from 2003-06-27: 4.25%"
    assert event.changes["rate"] == ["0.040000", "0.0425"]


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (Decimal("-0.01"), "A base rate is from 0% to less than 100%."),
        (Decimal("1"), "A base rate is from 0% to less than 100%."),
        (Decimal("0.0425001"), "A base rate has at most 4 decimal places of a percent."),
    ],
)
def test_a_base_rate_out_of_range_is_refused(abl_analyst, rate, message):
    with pytest.raises(FeeRefused) as refusal:
        fees.set_base_rate(actor=abl_analyst, effective_date=dt.date(2003, 6, 27), rate=rate)

    assert str(refusal.value) == message
    assert BaseRate.objects.count() == 0


def test_a_base_rate_in_a_month_whose_interest_is_posted_is_refused(april, abl_analyst):
    fees.post_fees(month=Month(2003, 4))

    with pytest.raises(FeeRefused) as refusal:
        fees.set_base_rate(
            actor=abl_analyst, effective_date=dt.date(2003, 4, 25), rate=Decimal("0.05")
        )

    assert str(refusal.value) == (
        "Interest is already posted for 2003-04: a rate from 2003-04-25 would change it."
    )
