"""Posting a month's fees and interest (§9; docs/fees.md).

`post_fees(month=…)` posts a month for every facility (or those named) in one
transaction: the facilities' rows are locked first (in id order), then what is
already posted is read, so a second run (or one racing it) finds everything
there and adds nothing; the database's unique constraints are the last line.
Each charge goes to the loan ledger through `abl.services.loans.charge_loan` as a
`fee` or `interest` entry.

Interest is worked out last, on the ledger as it stands with this posting's
fees, by `abl.calc.fees.month_interest`: the base rate in force each day (the
series analysts keep), the margin the measured ratio chooses (the latest
accepted actual statement's covenant result, from the business date it was
submitted), actual/360, rounded once. A month already posted is worked out
again when the ledger has an entry valued into it that its interest has not
seen (a repayment recorded later, back-valued; a fee charged into it by a
re-run; an adjustment of an earlier month): the difference is posted as an
`interest_adjustment`, never by changing what was posted.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from abl import business_date
from abl.access import may_keep_books
from abl.audit import record
from abl.calc import fees as rules
from abl.calc.fees import Month
from abl.calc.money import ZERO, money_text
from abl.calc.terms import FacilityTerms
from abl.locks import lock_facilities
from abl.models import BaseRate, Facility, FeeCharge, FieldExam, LedgerEntry, User
from abl.services.errors import FeeRefused
from abl.services.fees.posted import (
    INTEREST_LINES,
    FeeLedger,
    Kind,
    LedgerLine,
    PostedMonth,
    read_ledgers,
)
from abl.services.loans import charge_loan
from abl.services.terms import newest_terms


@dataclass(frozen=True)
class _Ratio:
    applies_from: dt.date  # the business date the accepted version was submitted
    accepted_at: dt.datetime
    value: Decimal | None  # None: not measurable


def _ratio_series(facility_ids: list[int], measured_by: dict[int, str]) -> dict[int, list[_Ratio]]:
    """Each facility's measured ratio by the business date its accepted actual statement came in."""
    from covenants.models import FinancialStatement, StatementVersion

    versions = (
        StatementVersion.objects.filter(
            statement__facility_id__in=facility_ids,
            statement__kind=FinancialStatement.Kind.ACTUAL,
            accepted_at__isnull=False,
            latest_test__isnull=False,
        )
        .order_by("submitted_on", "statement__period_end", "version")
        .values_list(
            "statement__facility_id", "submitted_on", "accepted_at", "latest_test__results"
        )
    )
    series: dict[int, list[_Ratio]] = defaultdict(list)
    for facility_id, submitted_on, accepted_at, results in versions:
        wanted = measured_by.get(facility_id)
        actual = next((r.get("actual") for r in results if r.get("covenant") == wanted), None)
        value = None if actual is None else Decimal(actual)
        assert accepted_at is not None  # accepted versions only
        series[facility_id].append(_Ratio(submitted_on, accepted_at, value))
    return series


def _base_rates() -> dict[str, list[tuple[dt.date, Decimal]]]:
    series: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for name, day, rate in BaseRate.objects.order_by("effective_date").values_list(
        "name", "effective_date", "rate"
    ):
        series[name].append((day, rate))
    return series


def _post(
    ledger: FeeLedger,
    *,
    kind: str,
    month: Month,
    day: dt.date,
    amount: Decimal,
    description: str,
    source: str,
    actor: User | None,
    exam: FieldExam | None = None,
    recomputed_through: int | None = None,
) -> FeeCharge:
    facility = ledger.facility
    if amount > 0:
        ledger_kind = (
            LedgerEntry.Kind.FEE if kind not in INTEREST_LINES else LedgerEntry.Kind.INTEREST
        )
        entry = charge_loan(
            facility=facility,
            actor=actor,
            kind=ledger_kind,
            amount=amount,
            value_date=day,
            description=description,
            source=source,
        )
    else:
        entry = _give_back(
            facility,
            actor=actor,
            amount=amount,
            value_date=day,
            description=description,
            source=source,
        )
    charge = FeeCharge.objects.create(
        facility=facility,
        kind=kind,
        period=month.first,
        date=day,
        amount=amount,
        description=description,
        field_exam=exam,
        entry=entry,
        recomputed_through=recomputed_through,
    )
    ledger.note(
        kind=kind,
        period=month.first,
        amount=amount,
        seq=entry.seq,
        through=recomputed_through,
        posted_at=charge.posted_at,
    )
    interest_of = month.first if kind in INTEREST_LINES else None
    ledger.entries.append(LedgerLine(entry.seq, day, amount, interest_of))
    return charge


def _give_back(
    facility: Facility,
    *,
    actor: User | None,
    amount: Decimal,
    value_date: dt.date,
    description: str,
    source: str,
) -> LedgerEntry:
    """Interest given back to the loan (an adjustment down): a `correction` entry, audited."""
    return charge_loan(
        facility=facility,
        actor=actor,
        kind=LedgerEntry.Kind.CORRECTION,
        amount=amount,
        value_date=value_date,
        description=description,
        source=source,
    )


def _post_fees_of(
    ledger: FeeLedger,
    terms: FacilityTerms,
    month: Month,
    *,
    exams: Iterable[FieldExam],
    actor: User | None,
) -> list[FeeCharge]:
    """The month's fees (set-up, monitoring, field exams) of one facility not yet posted."""
    if terms.fees is None:
        return []
    info, fees, charges = terms.facility, terms.fees, []
    start = rules.setup_date(month, terms_date=info.terms_date, maturity_date=info.maturity_date)
    if start is not None and (Kind.SETUP, None) not in ledger.kinds:
        charges.append(
            _post(
                ledger,
                kind=Kind.SETUP,
                month=month,
                day=start,
                amount=fees.online_setup,
                description="Online reporting set-up fee (once)",
                source="fees:setup",
                actor=actor,
            )
        )
    if start is not None and (Kind.MONITORING, month.first) not in ledger.kinds:
        charges.append(
            _post(
                ledger,
                kind=Kind.MONITORING,
                month=month,
                day=month.last,
                amount=fees.monthly_monitoring,
                description=f"Monthly monitoring fee {month}",
                source=f"fees:monitoring:{month}",
                actor=actor,
            )
        )
    for exam in exams:
        assert exam.done_on is not None
        charges.append(
            _post(
                ledger,
                kind=Kind.FIELD_EXAM,
                month=month,
                day=max(exam.done_on, month.first),
                amount=exam.fee,
                description=(
                    f"Field exam {exam.charge_number} of {exam.charge_year}, done {exam.done_on}"
                ),
                source=f"fees:field_exam:{exam.pk}",
                actor=actor,
                exam=exam,
            )
        )
    return charges


def _months_to_work_out(ledger: FeeLedger, month: Month) -> Iterator[Month]:
    """The posted months before `month` whose ledger changed under them, oldest first (an
    adjustment is in the balance of the months after it), then `month` itself."""
    yield from ledger.changed_months(month)
    yield month


def _post_interest_of(
    ledger: FeeLedger,
    terms: FacilityTerms,
    month: Month,
    *,
    base_rates: dict[str, list[tuple[dt.date, Decimal]]],
    ratios: list[_Ratio],
    actor: User | None,
) -> FeeCharge | None:
    """The month's interest on the ledger as it stands (this posting's charges in it), or the
    adjustment of what is posted for it; None when there is nothing to post."""
    pricing = terms.pricing
    if pricing is None:
        return None
    posted = ledger.months.get(month.first, PostedMonth())
    seen = ledger.seen_by(month)
    # The margins the month was first posted with: a covenant version accepted later
    # does not change a posted month (only the ledger does).
    cutoff = posted.first_posted
    steps = [(r.applies_from, r.value) for r in ratios if cutoff is None or r.accepted_at <= cutoff]
    try:
        interest = rules.month_interest(
            month,
            balances=rules.closing_balances(
                ((e.value_date, e.amount) for e in seen), month
            ).__getitem__,
            base_rates=base_rates.get(pricing.base_rate, []),
            ratios=steps,
            levels=pricing.levels,
            day_count=pricing.day_count,
        )
    except rules.MissingBaseRate as error:
        raise FeeRefused(
            f"{ledger.facility.slug}: {error} ({pricing.base_rate}); an analyst sets it on the "
            "base rates page. Nothing was posted.",
            field="month",
        ) from None
    except ValueError as error:  # terms whose pricing cannot work a margin out
        raise FeeRefused(f"{ledger.facility.slug}: {error}. Nothing was posted.") from None
    found = rules.interest_posting(interest.total, posted.interest)
    if found is None:
        return None
    kind, amount = found
    if kind == Kind.INTEREST:
        description = interest.description(
            base_name=pricing.base_rate, placeholder=not pricing.given_by_letter
        )
        return _post(
            ledger,
            kind=Kind.INTEREST,
            month=month,
            day=month.last,
            amount=amount,
            description=description[:300],
            source=f"fees:interest:{month}",
            actor=actor,
        )
    through = max((e.seq for e in seen), default=0)
    description = rules.adjustment_description(
        month, recomputed=interest.total, posted=sum(posted.interest, ZERO), through=through
    )
    return _post(
        ledger,
        kind=Kind.INTEREST_ADJUSTMENT,
        month=month,
        day=month.last,
        amount=amount,
        description=description[:300],
        source=f"fees:interest:{month}:through:{through}",
        actor=actor,
        recomputed_through=through,
    )


def month_refusal(month: Month) -> str | None:
    """Why `month` may not be posted yet: it has not ended on the business date."""
    today = business_date.today()
    if month.last >= today:
        return f"{month} has not ended: the business date is {today}."
    return None


@transaction.atomic
def post_fees(
    *, month: Month, facility_ids: Iterable[int] | None = None, actor: User | None = None
) -> list[FeeCharge]:
    """Post `month`'s fees and interest for every facility (or those of `facility_ids`); what
    is already posted is skipped, and a posted month whose ledger changed under it is adjusted.

    `actor` None is the system (beat, `manage.py post_fees`); a person is an ABL
    analyst (the statement page's button). Refused (nothing posted) when the
    month has not ended on the business date, or a facility with a balance has
    no base rate in force on a day of it.
    """
    if actor is not None and not may_keep_books(actor):
        raise FeeRefused("Only an ABL analyst posts fees and interest.")
    if reason := month_refusal(month):
        raise FeeRefused(reason, field="month")
    facilities = lock_facilities(facility_ids)
    terms = newest_terms(facilities)
    facilities = [f for f in facilities if f.pk in terms]
    ids = [f.pk for f in facilities]
    ledgers = read_ledgers(facilities, month)
    exams: dict[int, list[FieldExam]] = defaultdict(list)
    for exam in FieldExam.objects.filter(
        facility_id__in=ids, done_on__lte=month.last, charge__isnull=True, not_charged=""
    ).order_by("done_on", "pk"):
        exams[exam.facility_id].append(exam)
    measured_by = {pk: t.pricing.measured_by for pk, t in terms.items() if t.pricing}
    ratios = _ratio_series(ids, measured_by)
    base_rates = _base_rates()
    charges: list[FeeCharge] = []
    for facility in facilities:
        ledger, facility_terms = ledgers[facility.pk], terms[facility.pk]
        charges += _post_fees_of(
            ledger, facility_terms, month, exams=exams[facility.pk], actor=actor
        )
        for worked in _months_to_work_out(ledger, month):
            interest = _post_interest_of(
                ledger,
                facility_terms,
                worked,
                base_rates=base_rates,
                ratios=ratios[facility.pk],
                actor=actor,
            )
            charges += [interest] if interest is not None else []
    _record_posting(month, charges, actor)
    return charges


def _record_posting(month: Month, charges: list[FeeCharge], actor: User | None) -> None:
    by_facility: dict[int, list[FeeCharge]] = defaultdict(list)
    for charge in charges:
        by_facility[charge.facility_id].append(charge)
    for facility_charges in by_facility.values():
        facility = facility_charges[0].facility
        total = sum((c.amount for c in facility_charges), ZERO)
        summary = f"Fees and interest for {month} posted: {money_text(total)}"
        adjusted = [c for c in facility_charges if c.kind == Kind.INTEREST_ADJUSTMENT]
        if adjusted:
            summary += ", with interest adjustments " + ", ".join(
                f"{Month.of(c.period)} {money_text(c.amount)}" for c in adjusted
            )
        record(
            actor=actor,
            action="fees.posted",
            object_id=str(month),
            facility=facility,
            summary=summary,
            changes={
                "charges": [
                    f"{c.kind} {Month.of(c.period)} {c.date} {c.amount}" for c in facility_charges
                ]
            },
        )
