"""The fee ledger (§9; docs/fees.md): posting fees and interest, field exams, the base rate.

`post_fees(month=…)` posts a month for every facility (or those named) in one
transaction: the facilities' rows are locked first (in id order), then what is
already posted is read, so a second run (or one racing it) finds everything
there and adds nothing; the database's unique constraints are the last line.
Each charge goes to the loan ledger through `loans.charge_loan` as a `fee` or
`interest` entry.

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
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from abl import business_date
from abl.access import may_keep_fee_ledger
from abl.audit import record
from abl.calc import fees as rules
from abl.calc.fees import Month
from abl.calc.money import ZERO, money_text
from abl.calc.terms import FacilityTerms, parse_terms
from abl.locks import lock_facilities, lock_facility
from abl.models import BaseRate, Facility, FeeCharge, FieldExam, LedgerEntry, TermsVersion, User
from abl.models.fees import FeeStatementDocument
from abl.services import loans
from abl.services.documents import store_once
from abl.services.errors import FeeRefused  # the fee ledger's refusal: a kind of Refused

Kind = FeeCharge.Kind
INTEREST_LINES = (Kind.INTEREST, Kind.INTEREST_ADJUSTMENT)


# --- Posting -----------------------------------------------------------------------------


def _newest_terms(facilities: list[Facility]) -> dict[int, FacilityTerms]:
    newest = TermsVersion.objects.filter(facility=OuterRef("pk")).order_by("-version")
    rows = Facility.objects.filter(pk__in=[f.pk for f in facilities]).annotate(
        data=Subquery(newest.values("data")[:1])
    )
    return {pk: parse_terms(data) for pk, data in rows.values_list("pk", "data") if data}


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


@dataclass
class _Month:
    """What a facility has posted for one month: its interest lines and when it was first posted."""

    interest: list[Decimal] = field(default_factory=list)  # interest and adjustments, signed
    basis: int = 0  # the last ledger entry (seq) its interest was worked out on
    first_posted: dt.datetime | None = None


@dataclass(frozen=True)
class _Entry:
    seq: int
    value_date: dt.date
    amount: Decimal
    interest_of: dt.date | None  # an interest line: the period it is for


@dataclass
class _Ledger:
    """One facility's ledger up to the posted month's end and what it has posted, kept up to
    date as posting goes on (each charge it writes is noted and added)."""

    facility: Facility
    entries: list[_Entry] = field(default_factory=list)
    months: dict[dt.date, _Month] = field(default_factory=dict)
    kinds: set[tuple[str, dt.date | None]] = field(default_factory=set)

    def note(
        self,
        *,
        kind: str,
        period: dt.date,
        amount: Decimal,
        seq: int,
        through: int | None,
        posted_at: dt.datetime,
    ) -> None:
        """A charge posted for `period`, whose ledger entry is `seq`."""
        self.kinds.add((kind, None if kind == Kind.SETUP else period))
        posted = self.months.setdefault(period, _Month())
        if kind in INTEREST_LINES:
            # Worked out on every entry before its own (an adjustment: through `through`).
            posted.basis = max(posted.basis if posted.interest else 0, through or seq)
            posted.interest.append(amount)
        elif not posted.interest:
            posted.basis = max(posted.basis, seq)
        if posted.first_posted is None or posted_at < posted.first_posted:
            posted.first_posted = posted_at

    def seen_by(self, month: Month) -> list[_Entry]:
        """The entries a month's interest is worked out on: valued in it or before, not its
        own interest lines."""
        return [
            e for e in self.entries if e.value_date <= month.last and e.interest_of != month.first
        ]

    def changed_months(self, before: Month) -> Iterator[Month]:
        """The posted months before `before`, oldest first, whose interest has not seen an
        entry now valued into them (its seq is beyond the month's basis).

        One pass over the entries by value date. Asked as posting goes on: the
        entries posting writes meanwhile (an adjustment of one month, valued at its
        end) count for the months after it.
        """
        ordered = sorted(self.entries, key=lambda e: (e.value_date, e.seq))
        written = len(self.entries)
        newest, i = 0, 0  # the newest entry valued before the month's last day
        for period in sorted(p for p in self.months if p < before.first):
            month = Month.of(period)
            while i < len(ordered) and ordered[i].value_date < month.last:
                newest, i = max(newest, ordered[i].seq), i + 1
            j = i  # the entries valued on the last day, but for the month's own interest lines
            while j < len(ordered) and ordered[j].value_date == month.last:
                j += 1
            since = [e for e in self.entries[written:] if e.value_date <= month.last]
            seen = max(
                (e.seq for e in (*ordered[i:j], *since) if e.interest_of != month.first),
                default=newest,
            )
            if max(seen, newest) > self.months[period].basis:
                yield month


def _read_ledgers(facilities: list[Facility], month: Month) -> dict[int, _Ledger]:
    """Each facility's charges (all months) and ledger entries (valued to `month`'s end)."""
    ledgers = {f.pk: _Ledger(f) for f in facilities}
    ids = list(ledgers)
    lines: dict[int, dt.date] = {}
    charges = FeeCharge.objects.filter(facility_id__in=ids).order_by("pk")
    for facility_id, kind, period, amount, through, posted_at, entry_id, seq in charges.values_list(
        "facility_id",
        "kind",
        "period",
        "amount",
        "recomputed_through",
        "posted_at",
        "entry_id",
        "entry__seq",
    ):
        ledgers[facility_id].note(
            kind=kind, period=period, amount=amount, seq=seq, through=through, posted_at=posted_at
        )
        if kind in INTEREST_LINES:
            lines[entry_id] = period
    entries = LedgerEntry.objects.filter(facility_id__in=ids, value_date__lte=month.last)
    for pk, facility_id, seq, day, amount in entries.order_by("facility_id", "seq").values_list(
        "pk", "facility_id", "seq", "value_date", "amount"
    ):
        ledgers[facility_id].entries.append(_Entry(seq, day, amount, lines.get(pk)))
    return ledgers


def _post(
    ledger: _Ledger,
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
        entry = loans.charge_loan(
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
    ledger.entries.append(_Entry(entry.seq, day, amount, interest_of))
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
    return loans.charge_loan(
        facility=facility,
        actor=actor,
        kind=LedgerEntry.Kind.CORRECTION,
        amount=amount,
        value_date=value_date,
        description=description,
        source=source,
    )


def _post_fees_of(
    ledger: _Ledger,
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


def _months_to_work_out(ledger: _Ledger, month: Month) -> Iterator[Month]:
    """The posted months before `month` whose ledger changed under them, oldest first (an
    adjustment is in the balance of the months after it), then `month` itself."""
    yield from ledger.changed_months(month)
    yield month


def _post_interest_of(
    ledger: _Ledger,
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
    posted = ledger.months.get(month.first, _Month())
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
    if actor is not None and not may_keep_fee_ledger(actor):
        raise FeeRefused("Only an ABL analyst posts fees and interest.")
    if reason := month_refusal(month):
        raise FeeRefused(reason, field="month")
    facilities = lock_facilities(facility_ids)
    terms = _newest_terms(facilities)
    facilities = [f for f in facilities if f.pk in terms]
    ids = [f.pk for f in facilities]
    ledgers = _read_ledgers(facilities, month)
    exams: dict[int, list[FieldExam]] = defaultdict(list)
    for exam in FieldExam.objects.filter(
        facility_id__in=ids, done_on__lte=month.last, charge__isnull=True
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
    facility = lock_facility(facility)
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
        FeeCharge.objects.filter(
            kind__in=INTEREST_LINES, period__gte=Month.of(effective_date).first
        )
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


# --- The statement ---------------------------------------------------------------------


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


def stored_statement(
    *, facility: Facility, month: Month, statement: rules.FeeStatement, placeholder: bool
) -> FeeStatementDocument | None:
    """The PDF stored for the statement as it stands, if it was rendered."""
    return FeeStatementDocument.objects.filter(
        facility=facility, period=month.first, state=statement.state(placeholder=placeholder)
    ).first()


def render_statement_document(*, facility: Facility, month: Month) -> FeeStatementDocument:
    """The month's statement as a PDF as it stands now: the stored one, or rendered now and
    stored with its SHA-256 (once per state: `documents.store_once`), audited."""
    statement = fee_statement(facility=facility, month=month)
    placeholder = pricing_placeholder(facility)
    state = statement.state(placeholder=placeholder)

    def render() -> bytes:
        from abl.documents import fee_statement_pdf  # WeasyPrint's templates: slow to import

        return fee_statement_pdf(facility, statement, placeholder=placeholder)

    def create(pdf: bytes, sha256: str) -> FeeStatementDocument:
        document = FeeStatementDocument.objects.create(
            facility=facility,
            period=month.first,
            state=state,
            total=statement.total,
            pdf=pdf,
            sha256=sha256,
        )
        record(
            actor=None,
            action="fees.statement_rendered",
            obj=document,
            facility=facility,
            summary=f"Fee statement {month} rendered as a PDF, total {money_text(statement.total)} "
            f"({len(pdf):,} bytes)",
            changes={"month": str(month), "state": state, "sha256": sha256},
        )
        return document

    return store_once(
        stored=lambda: stored_statement(
            facility=facility, month=month, statement=statement, placeholder=placeholder
        ),
        render=render,
        create=create,
    )


def statement_documents(*, facility: Facility, month: Month) -> list[FeeStatementDocument]:
    """Every PDF stored of the month's statement, newest first, without their bytes."""
    return list(
        FeeStatementDocument.objects.filter(facility=facility, period=month.first)
        .defer("pdf")
        .order_by("-rendered_at", "-pk")
    )
