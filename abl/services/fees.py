"""The fee ledger (§9; docs/fees.md): posting fees and interest, field exams, the base rate.

`post_fees(month=…)` posts a month for every facility in one transaction: the
facilities' rows are locked first (in id order), then what is already posted is
read, so a second run (or one racing it) finds everything there and adds
nothing; the database's unique constraints are the last line. Each charge goes
to the loan ledger through `loans.charge_loan` as a `fee` or `interest` entry.

Interest is worked out last, on the ledger as it stands with this posting's
fees, by `abl.calc.fees.month_interest`: the base rate in force each day (the
series analysts keep), the margin the measured ratio chooses (the latest
accepted actual statement's covenant result, from the business date it was
submitted), actual/360, rounded once.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from abl import business_date
from abl.access import may_keep_fee_ledger
from abl.audit import record
from abl.calc import fees as rules
from abl.calc.fees import Month
from abl.calc.money import money_text
from abl.calc.terms import FacilityTerms, parse_terms
from abl.models import BaseRate, Facility, FeeCharge, FieldExam, LedgerEntry, TermsVersion, User
from abl.services.loans import charge_loan

Kind = FeeCharge.Kind


class FeeRefused(Exception):
    """A fee-ledger action refused; nothing was changed. `field` names the input it is about."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- Posting -----------------------------------------------------------------------------


def _newest_terms(facilities: list[Facility]) -> dict[int, FacilityTerms]:
    newest = TermsVersion.objects.filter(facility=OuterRef("pk")).order_by("-version")
    rows = Facility.objects.filter(pk__in=[f.pk for f in facilities]).annotate(
        data=Subquery(newest.values("data")[:1])
    )
    return {pk: parse_terms(data) for pk, data in rows.values_list("pk", "data") if data}


def _ratio_series(
    facility_ids: list[int], measured_by: dict[int, str]
) -> dict[int, list[tuple[dt.date, Decimal | None]]]:
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
        .values_list("statement__facility_id", "submitted_on", "latest_test__results")
    )
    series: dict[int, list[tuple[dt.date, Decimal | None]]] = defaultdict(list)
    for facility_id, submitted_on, results in versions:
        wanted = measured_by.get(facility_id)
        actual = next((r.get("actual") for r in results if r.get("covenant") == wanted), None)
        series[facility_id].append((submitted_on, None if actual is None else Decimal(actual)))
    return series


def _base_rates() -> dict[str, list[tuple[dt.date, Decimal]]]:
    series: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for name, day, rate in BaseRate.objects.order_by("effective_date").values_list(
        "name", "effective_date", "rate"
    ):
        series[name].append((day, rate))
    return series


def _post(
    facility: Facility,
    *,
    kind: str,
    month: Month,
    day: dt.date,
    amount: Decimal,
    description: str,
    source: str,
    exam: FieldExam | None = None,
) -> FeeCharge:
    ledger_kind = LedgerEntry.Kind.INTEREST if kind == Kind.INTEREST else LedgerEntry.Kind.FEE
    entry = charge_loan(
        facility=facility,
        actor=None,
        kind=ledger_kind,
        amount=amount,
        value_date=day,
        description=description,
        source=source,
    )
    return FeeCharge.objects.create(
        facility=facility,
        kind=kind,
        period=month.first,
        date=day,
        amount=amount,
        description=description,
        field_exam=exam,
        entry=entry,
    )


def _post_fees_of(
    facility: Facility,
    terms: FacilityTerms,
    month: Month,
    *,
    posted: set[tuple[str, dt.date | None]],
    exams: Iterable[FieldExam],
) -> list[FeeCharge]:
    """The month's fees (set-up, monitoring, field exams) of one facility not yet posted."""
    if terms.fees is None:
        return []
    info, fees, charges = terms.facility, terms.fees, []
    start = rules.setup_date(month, terms_date=info.terms_date, maturity_date=info.maturity_date)
    if start is not None and (Kind.SETUP, None) not in posted:
        description = "Online reporting set-up fee (once)"
        charges.append(
            _post(
                facility,
                kind=Kind.SETUP,
                month=month,
                day=start,
                amount=fees.online_setup,
                description=description,
                source="fees:setup",
            )
        )
    if start is not None and (Kind.MONITORING, month.first) not in posted:
        description = f"Monthly monitoring fee {month}"
        charges.append(
            _post(
                facility,
                kind=Kind.MONITORING,
                month=month,
                day=month.last,
                amount=fees.monthly_monitoring,
                description=description,
                source=f"fees:monitoring:{month}",
            )
        )
    for exam in exams:
        assert exam.done_on is not None
        description = f"Field exam {exam.charge_number} of {exam.charge_year}, done {exam.done_on}"
        charges.append(
            _post(
                facility,
                kind=Kind.FIELD_EXAM,
                month=month,
                day=max(exam.done_on, month.first),
                amount=exam.fee,
                description=description,
                source=f"fees:field_exam:{exam.pk}",
                exam=exam,
            )
        )
    return charges


def _post_interest_of(
    facility: Facility,
    terms: FacilityTerms,
    month: Month,
    *,
    entries: list[tuple[dt.date, Decimal]],
    base_rates: dict[str, list[tuple[dt.date, Decimal]]],
    ratios: list[tuple[dt.date, Decimal | None]],
) -> FeeCharge | None:
    """The month's interest on `entries` (the ledger up to the month's end, this posting's fees
    in it)."""
    pricing = terms.pricing
    if pricing is None:
        return None
    closing = rules.closing_balances(entries, month)
    try:
        interest = rules.month_interest(
            month,
            balances=closing.__getitem__,
            base_rates=base_rates.get(pricing.base_rate, []),
            ratios=ratios,
            levels=pricing.levels,
            day_count=pricing.day_count,
        )
    except rules.MissingBaseRate as error:
        raise FeeRefused(
            f"{facility.slug}: {error} ({pricing.base_rate}); an analyst sets it on the base "
            "rates page. Nothing was posted.",
            field="month",
        ) from None
    except ValueError as error:  # terms whose pricing cannot work a margin out
        raise FeeRefused(f"{facility.slug}: {error}. Nothing was posted.") from None
    if interest.total <= 0:
        return None
    description = interest.description(
        base_name=pricing.base_rate, placeholder=not pricing.given_by_letter
    )
    return _post(
        facility,
        kind=Kind.INTEREST,
        month=month,
        day=month.last,
        amount=interest.total,
        description=description[:300],
        source=f"fees:interest:{month}",
    )


def month_refusal(month: Month) -> str | None:
    """Why `month` may not be posted yet: it has not ended on the business date."""
    today = business_date.today()
    if month.last >= today:
        return f"{month} has not ended: the business date is {today}."
    return None


@transaction.atomic
def post_fees(*, month: Month) -> list[FeeCharge]:
    """Post `month`'s fees and interest for every facility; what is already posted is skipped.

    Refused (nothing posted) when the month has not ended on the business date,
    or a facility with a balance has no base rate in force on a day of it.
    """
    if reason := month_refusal(month):
        raise FeeRefused(reason, field="month")
    facilities = list(Facility.objects.select_for_update().order_by("pk"))
    terms = _newest_terms(facilities)
    ids = list(terms)
    posted: dict[int, set[tuple[str, dt.date | None]]] = defaultdict(set)
    for facility_id, kind, period in FeeCharge.objects.filter(facility_id__in=ids).values_list(
        "facility_id", "kind", "period"
    ):
        posted[facility_id].add((kind, None if kind == Kind.SETUP else period))
    exams: dict[int, list[FieldExam]] = defaultdict(list)
    for exam in FieldExam.objects.filter(
        facility_id__in=ids, done_on__lte=month.last, charge__isnull=True
    ).order_by("done_on", "pk"):
        exams[exam.facility_id].append(exam)
    measured_by = {pk: t.pricing.measured_by for pk, t in terms.items() if t.pricing}
    ratios = _ratio_series(ids, measured_by)
    base_rates = _base_rates()
    entries: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for facility_id, day, amount in LedgerEntry.objects.filter(
        facility_id__in=ids, value_date__lte=month.last
    ).values_list("facility_id", "value_date", "amount"):
        entries[facility_id].append((day, amount))
    charges: list[FeeCharge] = []
    for facility in facilities:
        if facility.pk not in terms:
            continue
        facility_terms = terms[facility.pk]
        posted_fees = _post_fees_of(
            facility, facility_terms, month, posted=posted[facility.pk], exams=exams[facility.pk]
        )
        charges += posted_fees
        if (Kind.INTEREST, month.first) not in posted[facility.pk]:
            interest = _post_interest_of(
                facility,
                facility_terms,
                month,
                entries=entries[facility.pk] + [(c.date, c.amount) for c in posted_fees],
                base_rates=base_rates,
                ratios=ratios[facility.pk],
            )
            charges += [interest] if interest is not None else []
    _record_posting(month, charges)
    return charges


def _record_posting(month: Month, charges: list[FeeCharge]) -> None:
    by_facility: dict[int, list[FeeCharge]] = defaultdict(list)
    for charge in charges:
        by_facility[charge.facility_id].append(charge)
    for facility_charges in by_facility.values():
        facility = facility_charges[0].facility
        total = sum((c.amount for c in facility_charges), Decimal("0.00"))
        record(
            actor=None,
            action="fees.posted",
            object_id=str(month),
            facility=facility,
            summary=f"Fees and interest for {month} posted: {money_text(total)}",
            changes={"charges": {c.kind: str(c.amount) for c in facility_charges}},
        )


# --- Field exams -------------------------------------------------------------------------


def _exam_fee(facility: Facility) -> tuple[Decimal, int]:
    terms = _newest_terms([facility]).get(facility.pk)
    if terms is None or terms.fees is None:
        return Decimal("2700.00"), 3
    return terms.fees.field_exam.typical, terms.fees.field_exam.max_per_year


def _require_keeper(actor: User) -> None:
    if not may_keep_fee_ledger(actor):
        raise FeeRefused("Only an ABL analyst schedules and records field exams and base rates.")


@transaction.atomic
def schedule_field_exam(
    *, facility: Facility, actor: User, scheduled_for: dt.date, notes: str = ""
) -> FieldExam:
    """An analyst schedules a field exam; refused when its year already has the most charged."""
    _require_keeper(actor)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    fee, most = _exam_fee(facility)
    year = scheduled_for.year
    counted = (
        FieldExam.objects.filter(facility=facility, charge_year=year).count()
        + FieldExam.objects.filter(
            facility=facility, done_on__isnull=True, scheduled_for__year=year
        ).count()
    )
    if reason := rules.field_exam_refusal(year=year, counted=counted, max_per_year=most):
        raise FeeRefused(reason, field="scheduled_for")
    exam = FieldExam.objects.create(
        facility=facility, scheduled_for=scheduled_for, fee=fee, notes=notes, scheduled_by=actor
    )
    record(
        actor=actor,
        action="fees.field_exam_scheduled",
        obj=exam,
        facility=facility,
        summary=f"Field exam scheduled for {scheduled_for}",
        changes={"scheduled_for": scheduled_for.isoformat()},
    )
    return exam


@transaction.atomic
def record_field_exam(
    *, exam: FieldExam, actor: User, done_on: dt.date, fee: Decimal, notes: str = ""
) -> FieldExam:
    """An analyst records an exam as done with its actual fee: its place among the year's charged.

    Refused when it is already recorded, done after the business date, its fee
    is not more than zero, or its year already has the most exams charged.
    """
    _require_keeper(actor)
    facility = Facility.objects.select_for_update().get(pk=exam.facility_id)
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
    counted = FieldExam.objects.filter(facility=facility, charge_year=done_on.year).count()
    if reason := rules.field_exam_refusal(year=done_on.year, counted=counted, max_per_year=most):
        raise FeeRefused(reason, field="done_on")
    exam.done_on, exam.fee, exam.recorded_by = done_on, fee, actor
    exam.charge_year, exam.charge_number = done_on.year, counted + 1
    exam.notes = notes or exam.notes
    try:
        with transaction.atomic():
            exam.save()
    except IntegrityError:  # the database's last line: a place already taken
        raise FeeRefused(f"{done_on.year} already has that field exam charged.") from None
    record(
        actor=actor,
        action="fees.field_exam_recorded",
        obj=exam,
        facility=facility,
        summary=f"Field exam done {done_on}, fee {money_text(fee)} "
        f"({exam.charge_number} of {done_on.year})",
        changes={"done_on": done_on.isoformat(), "fee": str(fee)},
    )
    return exam


# --- The base rate series ----------------------------------------------------------------


@transaction.atomic
def set_base_rate(
    *, actor: User, effective_date: dt.date, rate: Decimal, name: str = "prime", note: str = ""
) -> BaseRate:
    """An analyst sets the base rate in force from a date (a fraction: 0.0425 is 4.25%).

    Refused for a rate outside 0–100%, or from a date in a month whose interest
    is already posted (that interest would no longer match the series).
    """
    _require_keeper(actor)
    if not Decimal(0) <= rate < 1:
        raise FeeRefused("A base rate is from 0% to less than 100%.", field="rate")
    if rate != rate.quantize(Decimal("0.000001")):
        raise FeeRefused("A base rate has at most 4 decimal places of a percent.", field="rate")
    posted = (
        FeeCharge.objects.filter(kind=Kind.INTEREST, period__gte=Month.of(effective_date).first)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if posted is not None:
        raise FeeRefused(
            f"Interest is already posted for {Month.of(posted)}: a rate from {effective_date} "
            "would change it.",
            field="effective_date",
        )
    existing = (
        BaseRate.objects.select_for_update()
        .filter(name=name, effective_date=effective_date)
        .first()
    )
    before = str(existing.rate) if existing else None
    base, _ = BaseRate.objects.update_or_create(
        name=name,
        effective_date=effective_date,
        defaults={"rate": rate, "note": note, "set_by": actor},
    )
    record(
        actor=actor,
        action="fees.base_rate_set",
        obj=base,
        summary=f"{name} from {effective_date}: {rules.percent_text(rate)}",
        changes={"rate": [before, str(rate)], "effective_date": effective_date.isoformat()},
    )
    return base


# --- The statement -----------------------------------------------------------------------


def fee_statement(*, facility: Facility, month: Month) -> rules.FeeStatement:
    """The facility's charges dated in `month`, as posted (read-only)."""
    charges = FeeCharge.objects.filter(
        facility=facility, date__gte=month.first, date__lte=month.last
    ).values_list("date", "kind", "description", "amount")
    lines = [rules.StatementLine(day, kind, text, amount) for day, kind, text, amount in charges]
    return rules.fee_statement(facility.slug, month, lines)


def pricing_placeholder(facility: Facility) -> bool:
    """Whether the facility's pricing levels are placeholders (not given by the letter)."""
    terms = _newest_terms([facility]).get(facility.pk)
    return terms is not None and terms.pricing is not None and not terms.pricing.given_by_letter
