"""A repayment valued back into a posted month: posting adjusts that month's interest, once.

April 2003 is posted on 1 May for 17,004.40 (tests/abl/fees/conftest.py). On
10 May the analyst records a repayment of 1,000,000.00 valued 25 April. April,
worked out again on the ledger as it now stands (the fees and rates as before):

| days         | balance       | rate                   | interest                |
|--------------|---------------|------------------------|-------------------------|
| 1–10 Apr     | 5,401,125.00  | 4.25% + 0.50% = 4.75%  | 10 × 712.6484375        |
| 11–15 Apr    | 5,401,125.00  | 4.25% + 0.25% = 4.50%  |  5 × 675.140625         |
| 16–20 Apr    | 3,601,125.00  | 4.25% + 0.25% = 4.50%  |  5 × 450.140625         |
| 21–24 Apr    | 3,601,125.00  | 4.00% + 0.25% = 4.25%  |  4 × 425.1328125        |
| 25–29 Apr    | 2,601,125.00  | 4.00% + 0.25% = 4.25%  |  5 × 307.077256…        |
| 30 Apr       | 2,602,680.00  | 4.00% + 0.25% = 4.25%  |  1 × 307.260833…        |

Total 16,296.068993… → 16,296.07; 17,004.40 was posted, so the adjustment is
−708.33 (1,000,000.00 × 4.25% ÷ 360 × 6 days = 708.333…), valued 30 April.

May then starts from 2,602,680.00 + 17,004.40 − 708.33 = 2,618,976.07 at
4.25% for 30 days, and 2,620,531.07 on 31 May with May's monitoring fee:
9,584.908499… → 9,584.91. Had May been posted before the repayment was known
(on 3,619,684.40: 13,247.22), June's posting adjusts it by 9,584.91 − 13,247.22
= −3,662.31, after April's −708.33, which is in May's balance.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from abl.calc.fees import Month
from abl.models import AuditEvent, FeeCharge, LedgerEntry
from abl.services import fees, loans
from abl.services.errors import Refused
from covenants.services import statements
from tests.abl.fees.conftest import APRIL_INTEREST
from tests.covenants.conftest import figures

pytestmark = pytest.mark.django_db
APRIL, MAY, JUNE = Month(2003, 4), Month(2003, 5), Month(2003, 6)
APRIL_AGAIN = Decimal("16296.07")
APRIL_ADJUSTMENT = Decimal("-708.33")
MAY_INTEREST = Decimal("9584.91")
MAY_BEFORE_THE_REPAYMENT = Decimal("13247.22")
MAY_ADJUSTMENT = Decimal("-3662.31")  # 9,584.91 − 13,247.22


def _repay_into_april(facility, analyst, settings, *, on: str) -> LedgerEntry:
    settings.ABL_BUSINESS_DATE = on
    return loans.record_repayment(
        facility=facility,
        actor=analyst,
        amount=Decimal("1000000.00"),
        value_date=dt.date(2003, 4, 25),
    )


def _interest_lines(facility, month: Month) -> list[tuple[str, Decimal]]:
    return list(
        FeeCharge.objects.filter(
            facility=facility, period=month.first, kind__in=["interest", "interest_adjustment"]
        )
        .order_by("pk")
        .values_list("kind", "amount")
    )


@pytest.fixture
def april_posted(april):
    fees.post_fees(month=APRIL)
    return april


def test_the_next_posting_adjusts_the_month_a_repayment_was_valued_into(
    april_posted, abl_analyst, settings
):
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")
    settings.ABL_BUSINESS_DATE = "2003-06-01"

    fees.post_fees(month=MAY)

    assert _interest_lines(april_posted, APRIL) == [
        ("interest", APRIL_INTEREST),
        ("interest_adjustment", APRIL_ADJUSTMENT),
    ]
    assert _interest_lines(april_posted, MAY) == [("interest", MAY_INTEREST)]


def test_the_adjustment_says_how_it_was_worked_and_is_valued_at_the_months_end(
    april_posted, abl_analyst, settings
):
    repayment = _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")

    fees.post_fees(month=APRIL)

    adjustment = FeeCharge.objects.select_related("entry").get(kind="interest_adjustment")
    assert (adjustment.period, adjustment.date) == (dt.date(2003, 4, 1), dt.date(2003, 4, 30))
    assert adjustment.recomputed_through == repayment.seq
    assert adjustment.description == (
        f"Interest adjustment 2003-04: worked out again on the ledger through entry "
        f"{repayment.seq}, 16,296.07, less 17,004.40 posted before"
    )
    # Less interest: the loan is given it back by a correction entry of its own.
    assert (adjustment.entry.kind, adjustment.entry.amount) == ("correction", APRIL_ADJUSTMENT)
    assert adjustment.entry.value_date == dt.date(2003, 4, 30)
    assert adjustment.entry.source == f"fees:interest:2003-04:through:{repayment.seq}"


def test_posting_the_month_again_adjusts_it_and_a_third_time_adds_nothing(
    april_posted, abl_analyst, settings
):
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")
    entries = LedgerEntry.objects.count()

    again = fees.post_fees(month=APRIL)
    third = fees.post_fees(month=APRIL)

    assert [(c.kind, c.amount) for c in again] == [("interest_adjustment", APRIL_ADJUSTMENT)]
    assert third == []
    assert LedgerEntry.objects.count() == entries + 1
    assert sum(a for _, a in _interest_lines(april_posted, APRIL)) == APRIL_AGAIN


def test_the_month_adjusted_by_a_rerun_is_not_adjusted_again_by_the_next_posting(
    april_posted, abl_analyst, settings
):
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")
    fees.post_fees(month=APRIL)
    settings.ABL_BUSINESS_DATE = "2003-06-01"

    may = fees.post_fees(month=MAY)

    assert sorted(c.kind for c in may) == ["interest", "monitoring"]
    assert _interest_lines(april_posted, MAY) == [("interest", MAY_INTEREST)]
    assert len(_interest_lines(april_posted, APRIL)) == 2


def test_a_repayment_known_after_two_months_were_posted_adjusts_both_in_order(
    april_posted, abl_analyst, settings
):
    settings.ABL_BUSINESS_DATE = "2003-06-01"
    fees.post_fees(month=MAY)
    assert _interest_lines(april_posted, MAY) == [("interest", MAY_BEFORE_THE_REPAYMENT)]
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-06-10")
    settings.ABL_BUSINESS_DATE = "2003-07-01"

    june = fees.post_fees(month=JUNE)

    assert [(c.kind, Month.of(c.period), c.amount) for c in june if c.kind != "monitoring"] == [
        ("interest_adjustment", APRIL, APRIL_ADJUSTMENT),
        ("interest_adjustment", MAY, MAY_ADJUSTMENT),
        ("interest", JUNE, june[-1].amount),
    ]
    assert sum(a for _, a in _interest_lines(april_posted, MAY)) == MAY_INTEREST
    assert fees.post_fees(month=JUNE) == []


def test_an_entry_valued_into_a_posted_month_that_charges_more_adjusts_it_up(
    april_posted, settings
):
    settings.ABL_BUSINESS_DATE = "2003-05-10"
    # A charge valued 21 April: 36,000.00 × 4.25% ÷ 360 × 10 days = 42.50 more interest.
    entry = loans.charge_loan(
        facility=april_posted,
        actor=None,
        kind="fee",
        amount=Decimal("36000.00"),
        value_date=dt.date(2003, 4, 21),
        description="Legal fees",
        source="test:legal",
    )

    fees.post_fees(month=APRIL)

    adjustment = FeeCharge.objects.select_related("entry").get(kind="interest_adjustment")
    assert adjustment.amount == Decimal("42.50")
    assert (adjustment.entry.kind, adjustment.recomputed_through) == ("interest", entry.seq)


def test_a_covenant_version_accepted_after_the_month_was_posted_does_not_change_it(
    april, innotrac, cfo, abl_analyst, settings, django_capture_on_commit_callbacks
):
    # Submitted on 25 April at 0.70 (margin 0.00% from then, were it accepted), accepted
    # only after April was posted: April's adjustment keeps the margins it was posted with.
    settings.ABL_BUSINESS_DATE = "2003-04-25"
    with django_capture_on_commit_callbacks(execute=True):
        late = statements.submit_statement(
            facility=innotrac,
            kind="actual",
            period_end=dt.date(2003, 3, 31),
            financials=figures(total_liabilities="26250000.00"),
            user=cfo,
            officer_title="Chief Financial Officer",
            reason="Restated again",
        )
    settings.ABL_BUSINESS_DATE = "2003-05-01"
    fees.post_fees(month=APRIL)
    statements.accept_statement(version=late, user=abl_analyst)
    _repay_into_april(april, abl_analyst, settings, on="2003-05-10")

    fees.post_fees(month=APRIL)

    assert _interest_lines(april, APRIL) == [
        ("interest", APRIL_INTEREST),
        ("interest_adjustment", APRIL_ADJUSTMENT),
    ]


def test_the_database_refuses_a_second_adjustment_for_the_same_ledger_state(
    april_posted, abl_analyst, settings
):
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")
    fees.post_fees(month=APRIL)
    first = FeeCharge.objects.get(kind="interest_adjustment")
    entry = loans.charge_loan(
        facility=april_posted,
        actor=None,
        kind="interest",
        amount=Decimal("1.00"),
        value_date=dt.date(2003, 4, 30),
        description="again",
        source="test:again",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        FeeCharge.objects.create(
            facility=april_posted,
            kind="interest_adjustment",
            period=first.period,
            date=first.date,
            amount=Decimal("1.00"),
            description="again",
            entry=entry,
            recomputed_through=first.recomputed_through,
        )


@pytest.mark.parametrize(
    ("amount", "through"),
    [(Decimal("0.00"), 5), (Decimal("-1.00"), None)],
    ids=["zero", "without-its-ledger-state"],
)
def test_the_database_refuses_an_adjustment_of_nothing_or_without_its_state(
    april_posted, amount, through
):
    entry = LedgerEntry.objects.filter(facility=april_posted).latest("seq")

    with pytest.raises(IntegrityError), transaction.atomic():
        FeeCharge.objects.create(
            facility=april_posted,
            kind="interest_adjustment",
            period=dt.date(2003, 4, 1),
            date=dt.date(2003, 4, 30),
            amount=amount,
            description="nothing",
            entry=entry,
            recomputed_through=through,
        )


def test_only_an_adjustment_may_be_negative(april_posted):
    entry = LedgerEntry.objects.filter(facility=april_posted).latest("seq")

    with pytest.raises(IntegrityError), transaction.atomic():
        FeeCharge.objects.create(
            facility=april_posted,
            kind="field_exam",
            period=dt.date(2003, 4, 1),
            date=dt.date(2003, 4, 30),
            amount=Decimal("-1.00"),
            description="a negative fee",
            entry=entry,
        )


def test_the_adjustment_is_on_the_months_statement_and_it_still_equals_the_ledger(
    april_posted, abl_analyst, settings
):
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")
    fees.post_fees(month=APRIL)

    statement = fees.fee_statement(facility=april_posted, month=APRIL)

    charged = LedgerEntry.objects.filter(
        facility=april_posted,
        kind__in=["fee", "interest", "correction"],
        value_date__range=(APRIL.first, APRIL.last),
    )
    assert [line.kind for line in statement.lines][-1] == "interest_adjustment"
    assert statement.total == sum(charged.values_list("amount", flat=True), Decimal("0.00"))
    assert statement.total == Decimal("1125.00") + Decimal("1555.00") + APRIL_AGAIN


def test_the_adjustment_is_audited_with_the_posting_and_on_the_ledger(
    april_posted, abl_analyst, settings
):
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")

    fees.post_fees(month=APRIL)

    posted = AuditEvent.objects.filter(action="fees.posted").latest("pk")
    assert posted.summary == (
        "Fees and interest for 2003-04 posted: (708.33), with interest adjustments 2003-04 (708.33)"
    )
    corrected = AuditEvent.objects.get(action="ledger.corrected")
    assert corrected.summary.startswith(
        "Correction (708.33) valued 2003-04-30: Interest adjustment"
    )


def test_a_base_rate_in_a_month_with_an_adjustment_is_refused(april_posted, abl_analyst, settings):
    _repay_into_april(april_posted, abl_analyst, settings, on="2003-05-10")
    fees.post_fees(month=APRIL)

    with pytest.raises(fees.FeeRefused, match="Interest is already posted for 2003-04"):
        fees.set_base_rate(
            actor=abl_analyst, effective_date=dt.date(2003, 4, 28), rate=Decimal("0.05")
        )


def test_a_fee_refusal_is_the_projects_refusal():
    refusal = fees.FeeRefused("No.", field="month")

    assert isinstance(refusal, Refused)
    assert (str(refusal), refusal.field) == ("No.", "month")
