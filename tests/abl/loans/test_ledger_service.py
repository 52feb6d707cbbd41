"""The ledger, live availability and advances through the services (§5–§7)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from abl.models import AdvanceRequest, AuditEvent, LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused
from tests.abl.loans.conftest import LINE_CAP, TODAY

pytestmark = pytest.mark.django_db


def _request(facility, user, amount, *, key="k1", value_date=TODAY):
    return loans.request_advance(
        facility=facility, actor=user, amount=Decimal(amount), value_date=value_date, key=key
    )


def test_balance_on_a_date_sums_the_entries_to_that_date(innotrac, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("300000.00"), value_date=TODAY
    )
    loans.record_repayment(
        facility=innotrac, actor=abl_analyst, amount=Decimal("1000.00"), value_date=TODAY
    )
    ledger = LedgerEntry.objects.filter(facility=innotrac)

    assert ledger.balance_on(TODAY - dt.timedelta(days=1)) == Decimal("0.00")
    assert ledger.balance_on(TODAY) == Decimal("299000.00")
    assert list(ledger.values_list("seq", "balance_after")) == [
        (1, Decimal("300000.00")),
        (2, Decimal("299000.00")),
    ]


def test_live_availability_from_the_approved_certificate_and_the_ledger(
    innotrac, abl_analyst, approved
):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("400000.00"), value_date=TODAY
    )

    live = loans.live_availability(innotrac)

    assert live.certificate == approved
    assert live.figures is not None
    assert live.figures.line_cap == LINE_CAP
    assert live.outstanding == Decimal("400000.00")
    assert live.figures.excess_availability == Decimal("146125.00")
    assert live.reporting_frequency == "monthly"  # 26.76% of the line cap
    assert live.current_until == dt.date(2003, 5, 15)
    assert live.stale is False


def test_staleness_follows_the_frequency_in_force_through_a_cure_period(
    innotrac, abl_analyst, approved
):
    from reporting.models import Cadence

    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("400000.00"), value_date=TODAY
    )
    # The figures say monthly (26.76%), but the cadence keeps weekly until the cure days pass.
    Cadence.objects.update_or_create(
        facility=innotrac,
        defaults={
            "frequency": "weekly",
            "since": TODAY,
            "started_on": TODAY,
            "above_since": TODAY,
            "excess_availability": Decimal("146125.00"),
            "excess_availability_pct": Decimal("0.26756"),
            "measured_on": TODAY,
        },
    )

    live = loans.live_availability(innotrac)

    assert live.reporting_frequency == "monthly"
    assert live.current_until == dt.date(2003, 4, 9)  # the week to Friday 4 April, due Wednesday


def test_advance_landing_exactly_at_zero_is_approved(
    innotrac, cfo, abl_analyst, approved, django_capture_on_commit_callbacks
):
    advance = _request(innotrac, cfo, LINE_CAP)

    loans.approve_advance(advance=advance, actor=abl_analyst)

    live = loans.live_availability(innotrac)
    assert live.outstanding == LINE_CAP
    assert live.figures is not None
    assert live.figures.excess_availability == Decimal("0.00")
    assert AdvanceRequest.objects.get().status == "approved"


def test_an_advance_valued_later_is_committed_now_and_outstanding_from_its_value_date(
    innotrac, cfo, abl_analyst, approved
):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("100000.00"), value_date=TODAY
    )
    friday = TODAY + dt.timedelta(days=4)
    loans.approve_advance(
        advance=_request(innotrac, cfo, "40000.00", value_date=friday), actor=abl_analyst
    )
    loans.record_repayment(
        facility=innotrac, actor=abl_analyst, amount=Decimal("1000.00"), value_date=TODAY
    )

    today, on_friday = (
        loans.live_availability(innotrac),
        loans.live_availability(innotrac, on=friday),
    )

    assert today.outstanding == Decimal("99000.00")
    assert today.committed is not None
    assert today.committed.outstanding == Decimal("139000.00")
    assert on_friday.outstanding == Decimal("139000.00")
    assert (today.head.seq, today.head.balance) == (3, Decimal("139000.00"))


def test_advance_overdrawing_by_one_cent_is_refused_and_changes_nothing(
    innotrac, cfo, abl_analyst, approved
):
    advance = _request(innotrac, cfo, LINE_CAP + Decimal("0.01"))
    events = AuditEvent.objects.count()

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert str(refused.value) == (
        "The advance of 546,125.01 would take excess availability below zero: "
        "546,125.00 available, (0.01) after."
    )
    assert not LedgerEntry.objects.exists()
    assert AdvanceRequest.objects.get().status == "requested"
    assert AuditEvent.objects.count() == events


def test_the_same_key_twice_makes_one_request(innotrac, cfo):
    first = _request(innotrac, cfo, "1000.00", key="double-click")
    second = _request(innotrac, cfo, "1000.00", key="double-click")

    assert first.pk == second.pk
    assert AdvanceRequest.objects.count() == 1


def test_the_same_key_for_another_amount_is_refused(innotrac, cfo):
    first = _request(innotrac, cfo, "1000.00", key="k")

    with pytest.raises(LoanRefused) as refused:
        _request(innotrac, cfo, "2000.00", key="k")

    assert str(refused.value) == (
        "This request was already made with another amount or value date: advance request "
        f"{first.pk}, 1,000.00 valued 2003-04-07 (key 'k'). "
        "To ask for another amount, make a new request."
    )


def test_nobody_approves_their_own_request(innotrac, abl_analyst, approved, cfo):
    advance = _request(innotrac, cfo, "1000.00")
    AdvanceRequest.objects.filter(pk=advance.pk).update(requested_by=abl_analyst)
    advance.refresh_from_db()

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert str(refused.value) == "Nobody approves or declines an advance they requested."


def test_a_borrower_user_cannot_approve(innotrac, cfo, approved):
    advance = _request(innotrac, cfo, "1000.00")

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=cfo)

    assert str(refused.value) == "Only an ABL analyst can approve or decline an advance."


def test_a_stale_certificate_blocks_approval_with_the_reason(
    innotrac, cfo, abl_analyst, approved, settings
):
    advance = _request(innotrac, cfo, "1000.00", value_date=dt.date(2003, 5, 20))
    settings.ABL_BUSINESS_DATE = "2003-05-16"

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert str(refused.value) == (
        "The latest approved certificate, as of 2003-03-31, is stale "
        "(current until 2003-05-15): a new one must be approved first."
    )
    assert not LedgerEntry.objects.exists()


def test_the_last_day_a_certificate_is_current_still_approves(
    innotrac, cfo, abl_analyst, approved, settings
):
    advance = _request(innotrac, cfo, "1000.00", value_date=dt.date(2003, 5, 15))
    settings.ABL_BUSINESS_DATE = "2003-05-15"

    loans.approve_advance(advance=advance, actor=abl_analyst)

    assert LedgerEntry.objects.get().amount == Decimal("1000.00")


def test_no_advance_after_maturity(innotrac, cfo, abl_analyst, approved, settings):
    advance = _request(innotrac, cfo, "1000.00")
    settings.ABL_BUSINESS_DATE = "2005-07-01"

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert str(refused.value) == "The facility matured on 2005-06-30: no advance after maturity."


def test_a_request_valued_after_maturity_is_refused_and_nothing_is_made(innotrac, cfo):
    with pytest.raises(LoanRefused) as refused:
        _request(innotrac, cfo, "1000.00", value_date=dt.date(2005, 7, 1))

    assert str(refused.value) == "The facility matures on 2005-06-30: no advance after it."
    assert refused.value.field == "value_date"
    assert not AdvanceRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="advance.requested").exists()


@pytest.mark.postgres
def test_a_request_reads_the_terms_before_it_waits_for_the_facilitys_lock(innotrac, cfo):
    """Every request and approval of a facility queues on its row lock: what need not be
    read under it is read before it (the approval checks maturity again, under the lock)."""
    with CaptureQueriesContext(connection) as queries:
        _request(innotrac, cfo, "1000.00")
    sql = [query["sql"] for query in queries.captured_queries]

    terms = [n for n, text in enumerate(sql) if "abl_termsversion" in text]
    lock = next(n for n, text in enumerate(sql) if "FOR UPDATE" in text)
    assert terms
    assert max(terms) < lock


def test_an_approval_saves_its_entry_and_decision_through_the_orm_before_its_event(
    innotrac, cfo, abl_analyst, approved
):
    """Plain saves, as a repayment's: the entry gets its primary key on the instance and
    post_save is sent for it and for the decision; the audit event comes last."""
    advance = _request(innotrac, cfo, "1000.00")
    saved: list[tuple[str, int | None, bool]] = []

    def note(sender, instance, created, **kwargs):
        saved.append((sender.__name__, instance.pk, created))

    post_save.connect(note, sender=LedgerEntry)
    post_save.connect(note, sender=AdvanceRequest)
    post_save.connect(note, sender=AuditEvent)
    try:
        loans.approve_advance(advance=advance, actor=abl_analyst)
    finally:
        post_save.disconnect(note, sender=LedgerEntry)
        post_save.disconnect(note, sender=AdvanceRequest)
        post_save.disconnect(note, sender=AuditEvent)

    entry = LedgerEntry.objects.get(advance=advance)
    event = AuditEvent.objects.get(action="advance.approved")
    assert saved == [
        ("LedgerEntry", entry.pk, True),
        ("AdvanceRequest", advance.pk, False),
        ("AuditEvent", event.pk, True),
    ]
    assert (entry.kind, entry.amount, entry.created_by) == (
        "advance",
        Decimal("1000.00"),
        abl_analyst,
    )
    assert AdvanceRequest.objects.get().decided_by == abl_analyst


def test_no_advance_while_in_default(innotrac, cfo, abl_analyst, second_analyst, approved):
    advance = _request(innotrac, cfo, "1000.00")
    loans.declare_event_of_default(
        facility=innotrac, on=TODAY, reason="Covenant breach", user=abl_analyst
    )

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert str(refused.value) == "The facility is in default since 2003-04-07: no advance is made."
    event = loans.propose_default_end(
        facility=innotrac, ending="cure", reason="Cured", user=abl_analyst
    )
    loans.confirm_default_end(event=event, user=second_analyst)
    loans.approve_advance(advance=advance, actor=abl_analyst)
    assert LedgerEntry.objects.get().kind == "advance"


def test_default_declared_twice_records_once(innotrac, abl_analyst):
    loans.declare_event_of_default(facility=innotrac, on=TODAY, reason="Breach", user=abl_analyst)
    loans.declare_event_of_default(
        facility=innotrac, on=TODAY + dt.timedelta(days=3), reason="Again", user=None
    )

    assert loans.default_standing(innotrac, on=TODAY).declared_on == TODAY
    assert loans.default_standing(innotrac, on=TODAY - dt.timedelta(days=1)) is None
    assert AuditEvent.objects.filter(action="facility.default_declared").count() == 1


def test_repayment_may_not_take_the_balance_below_zero(innotrac, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("100.00"), value_date=TODAY
    )

    with pytest.raises(LoanRefused) as refused:
        loans.record_repayment(
            facility=innotrac, actor=abl_analyst, amount=Decimal("100.01"), value_date=TODAY
        )

    assert refused.value.field == "amount"
    assert str(refused.value) == (
        "The amount 100.01 would take the balance below zero (to (0.01)); "
        "the outstanding on 2003-04-07 is 100.00."
    )


@pytest.mark.parametrize(
    ("kind", "amount", "message"),
    [
        ("fee", "-1.00", "A charge to the loan must be more than zero."),
        ("interest", "0.00", "A charge to the loan must be more than zero."),
        ("correction", "1.00", "A correction given back must be less than zero."),
    ],
)
def test_a_charge_to_the_loan_goes_the_way_its_kind_says(
    innotrac, abl_analyst, kind, amount, message
):
    with pytest.raises(LoanRefused, match=message):
        loans.charge_loan(
            facility=innotrac,
            actor=abl_analyst,
            kind=kind,
            amount=Decimal(amount),
            value_date=TODAY,
            description="test",
            source=f"test:{kind}",
        )

    assert not LedgerEntry.objects.filter(facility=innotrac).exists()


def test_interest_given_back_is_a_correction_audited_as_one(innotrac, abl_analyst):
    entry = loans.charge_loan(
        facility=innotrac,
        actor=abl_analyst,
        kind="correction",
        amount=Decimal("-708.33"),
        value_date=TODAY,
        description="Interest adjustment",
        source="fees:interest:2003-04:through:3",
    )

    assert entry.balance_after == Decimal("-708.33")
    event = AuditEvent.objects.get(action="ledger.corrected")
    assert event.summary == f"Correction (708.33) valued {TODAY}: Interest adjustment"
