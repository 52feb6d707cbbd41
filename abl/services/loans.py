"""The loan ledger, live availability, advances and repayments (§5–§7; docs/loans.md).

Every change to the outstanding balance is one `LedgerEntry`, appended by
`_append` under the facility's row lock; nothing here updates or deletes an
entry. The pages, the commands and (for defaults) the covenant cases call
these functions: keyword-only, transactional, audited.

`live_availability(facility, *, on=None)` is the one answer to "how much may
the borrower draw": the latest approved certificate's borrowing base, reserves
and line cap, the ledger's outstanding on `on`, the excess in dollars and
percent, the reporting frequency it implies and why, and whether the
certificate is stale.
"""

import dataclasses
import datetime as dt
import functools
import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
from django.conf import settings
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, Model, Sum
from django.db.models.expressions import Col
from django.utils import timezone

from abl import bulk, business_date
from abl.access import (
    advance_decision_refusal,
    may_record_repayment,
    may_request_advance,
)
from abl.audit import record
from abl.calc import loans as rules
from abl.calc import repayments as repayment_rules
from abl.calc.money import ZERO, from_cents, money_text, to_cents
from abl.calc.terms import FacilityTerms, parse_terms
from abl.locks import lock_facility
from abl.models import (
    AdvanceRequest,
    Certificate,
    Computation,
    Facility,
    LedgerEntry,
    Role,
    TermsVersion,
    User,
)
from abl.readers import CollateralFileError, Problem, read_repayments
from abl.reading import reader_limits
from abl.services.errors import LoanRefused
from reporting.calc.frequency import Frequency
from reporting.services.cadence import queue_reevaluation

Kind = LedgerEntry.Kind


class LedgerHead(NamedTuple):
    """The facility's last entry: its `seq` and the balance after it (every entry's sum)."""

    seq: int
    balance: Decimal


@dataclass(frozen=True)
class LiveAvailability:
    """What the facility may draw on `on`; `figures` is None until a certificate is approved.

    `figures` counts the ledger's outstanding on `on`; `committed` every entry
    written, whatever its value date (an advance approved for a later day is
    already promised), and is what an approval is measured on. `head` is where
    the next entry goes.
    """

    facility_id: int
    on: dt.date
    certificate: Certificate | None
    outstanding: Decimal
    head: LedgerHead
    figures: rules.Availability | None
    committed: rules.Availability | None
    current_until: dt.date | None
    maturity_date: dt.date | None
    in_default_since: dt.date | None

    @property
    def stale(self) -> bool:
        return self.current_until is not None and self.on > self.current_until

    @property
    def reporting_frequency(self) -> str | None:
        return self.figures.reporting_frequency if self.figures else None

    @property
    def frequency_reason(self) -> str:
        if self.figures is None:
            return "No borrowing base certificate is approved yet."
        return self.figures.frequency_reason

    @property
    def matured(self) -> bool:
        return self.maturity_date is not None and self.on > self.maturity_date


def _terms(facility: Facility) -> FacilityTerms | None:
    """The facility's newest terms, parsed once per version (a version never changes).

    The cache key holds the version's creation time too, so an id used again
    (a test database emptied and refilled) is never taken for another version.
    """
    key = facility.terms_versions.order_by("-version").values_list("pk", "created_at").first()
    return _parsed_terms(*key) if key is not None else None


@functools.lru_cache(maxsize=256)
def _parsed_terms(version_pk: int, created_at: dt.datetime) -> FacilityTerms:
    return parse_terms(TermsVersion.objects.values_list("data", flat=True).get(pk=version_pk))


# Everything live availability reads, in one hand-written query: through the ORM the
# reading cost an approval far more than running it (docs/performance.md, "Live
# availability and the request's lock"):
# - the ledger's last entry, whose `balance_after` already sums every entry (the chain's
#   rule, checked by the database), and the sum of the entries valued after `on`: two index
#   lookups whatever the ledger's length;
# - the latest approved certificate as of `on`, newest first as `reporting.services.cadence
#   .read_all` orders (as_of, then reviewed_at), with its approved figures;
# - the facility's newest terms version and the frequency the reporting cadence has in
#   force (it keeps weekly through a cure period after the figures turn monthly).
# tests/abl/loans/test_live_availability.py checks it against read_all and balance_on.
_LIVE_SQL = """
SELECT head.seq, head.balance_after,
       (SELECT SUM(later.amount) FROM abl_ledgerentry later
         WHERE later.facility_id = %(facility)s AND later.value_date > %(on)s),
       certificate.id, certificate.as_of, approved.figures,
       terms.id, terms.created_at, cadence.frequency
  FROM abl_facility facility
  LEFT JOIN abl_ledgerentry head ON head.id = (
       SELECT entry.id FROM abl_ledgerentry entry
        WHERE entry.facility_id = %(facility)s ORDER BY entry.seq DESC LIMIT 1)
  LEFT JOIN abl_certificate certificate ON certificate.id = (
       SELECT candidate.id FROM abl_certificate candidate
        WHERE candidate.facility_id = %(facility)s AND candidate.status = %(approved)s
          AND candidate.as_of <= %(on)s
        ORDER BY candidate.as_of DESC, candidate.reviewed_at DESC LIMIT 1)
  LEFT JOIN abl_computation approved ON approved.id = certificate.approved_id
  LEFT JOIN abl_termsversion terms ON terms.id = (
       SELECT version.id FROM abl_termsversion version
        WHERE version.facility_id = %(facility)s ORDER BY version.version DESC LIMIT 1)
  LEFT JOIN reporting_cadence cadence ON cadence.facility_id = facility.id
 WHERE facility.id = %(facility)s
"""


class _LiveRow(NamedTuple):
    seq: int | None
    balance: Decimal | None
    later: Decimal | None
    certificate_id: int | None
    as_of: dt.date | None
    figures: dict[str, str] | None
    terms_pk: int | None
    terms_created_at: dt.datetime | None
    frequency_in_force: Frequency | None


def _read_live(facility_id: int, on: dt.date) -> _LiveRow:
    """`_LIVE_SQL`'s row, each value converted as the ORM converts its column."""
    from reporting.models import Cadence

    columns = (
        _column(LedgerEntry, "seq"),
        _column(LedgerEntry, "balance_after"),
        _column(LedgerEntry, "amount"),
        _column(Certificate, "id"),
        _column(Certificate, "as_of"),
        _column(Computation, "figures"),
        _column(TermsVersion, "id"),
        _column(TermsVersion, "created_at"),
        _column(Cadence, "frequency"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _LIVE_SQL,
            {"facility": facility_id, "on": on, "approved": Certificate.Status.APPROVED},
        )
        row = cursor.fetchone()
    return _LiveRow(*_converted(row, columns))


def _converted(values: Sequence[Any], columns: Sequence[Col]) -> list[Any]:
    """Each value converted as the ORM converts its column (the backend's converters, then the
    field's)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: `connection` looks its thread's up each time
    converted = []
    for value, col in zip(values, columns, strict=True):
        for convert in db.ops.get_db_converters(col) + col.get_db_converters(db):
            value = convert(value, col, db)
        converted.append(value)
    return converted


def _column(model: type[Model], name: str) -> Col:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_col(model._meta.db_table)


def live_availability(facility: Facility, *, on: dt.date | None = None) -> LiveAvailability:
    """The facility's availability on `on` (the business date when None); see the class."""
    on = on or business_date.today()
    row = _read_live(facility.pk, on)
    head = LedgerHead(row.seq or 0, row.balance or ZERO)
    outstanding, total = head.balance - (row.later or ZERO), head.balance
    certificate = None
    if row.certificate_id is not None:
        # Only what availability shows; the certificate's other fields load if asked for.
        certificate = Certificate.from_db(
            connection.alias,
            ["id", "facility_id", "as_of"],
            [row.certificate_id, facility.pk, row.as_of],
        )
    terms = None
    if row.terms_pk is not None and row.terms_created_at is not None:
        terms = _parsed_terms(row.terms_pk, row.terms_created_at)
    figures = committed = None
    current_until = None
    if terms is not None and certificate is not None and row.figures is not None:
        approved = row.figures
        commitment = terms.facility.commitment
        figures = rules.availability(
            borrowing_base=Decimal(approved["borrowing_base"]),
            reserves=Decimal(approved["reserves"]),
            line_cap=min(Decimal(approved["line_cap"]), commitment),
            commitment=commitment,
            outstanding=outstanding,
            basis=terms.reporting.basis,
            threshold_pct=terms.reporting.threshold_pct,
        )
        committed = figures.after(total - outstanding)
        current_until = rules.current_until(
            certificate.as_of,
            frequency=row.frequency_in_force or figures.reporting_frequency,
            monthly_due_days=terms.reporting.monthly_due_days,
            weekly_due_weekday=terms.reporting.weekly_due_weekday,
        )
    return LiveAvailability(
        facility_id=facility.pk,
        on=on,
        certificate=certificate,
        outstanding=outstanding,
        head=head,
        figures=figures,
        committed=committed,
        current_until=current_until,
        maturity_date=terms.facility.maturity_date if terms else None,
        in_default_since=facility.in_default_since,
    )


def _balance_changed(facility: Facility) -> None:
    """The hook for every change of the outstanding balance (an advance, a repayment).

    Called inside the transaction that appended the entry. §6 asks for the
    reporting frequency to be re-evaluated after each such change: the
    reporting cadence (reporting/services/cadence.py) queues its task here through
    the outbox (abl.outbox.enqueue), so a worker sees the committed balance.
    """
    queue_reevaluation(facility.pk, "outstanding balance changed")


def _append(facility: Facility, **fields: Any) -> LedgerEntry:
    """Append one entry (`fields` as _next_entry takes them) after the facility's last; the
    caller holds the facility's row lock."""
    found = (
        LedgerEntry.objects.filter(facility=facility)
        .order_by("-seq")
        .values_list("seq", "balance_after")
        .first()
    )
    head = LedgerHead(*found) if found is not None else LedgerHead(0, ZERO)
    entry = _next_entry(facility, head, **fields)
    entry.save(force_insert=True)
    return entry


def _next_entry(
    facility: Facility,
    head: LedgerHead,
    *,
    kind: str,
    amount: Decimal,
    value_date: dt.date,
    actor: User | None,
    description: str = "",
    source: str = "",
    line_cap: Decimal | None = None,
    certificate: Certificate | None = None,
    advance: AdvanceRequest | None = None,
) -> LedgerEntry:
    """The entry after `head`, the facility's last entry read under its row lock, not yet
    written: the next place and the running balance (which the ledger's trigger checks)."""
    seq, balance = head
    return LedgerEntry(
        facility=facility,
        seq=seq + 1,
        kind=kind,
        value_date=value_date,
        amount=amount,
        balance_after=balance + amount,
        line_cap=line_cap,
        certificate=certificate,
        advance=advance,
        description=description,
        source=source,
        created_by=actor,
    )


# --- Opening balance ---------------------------------------------------------------------


@transaction.atomic
def record_opening_balance(
    *, facility: Facility, actor: User | None, amount: Decimal, value_date: dt.date
) -> LedgerEntry:
    """The balance a facility brings into ABL Desk: the first entry of an empty ledger."""
    facility = lock_facility(facility)
    if actor is not None and actor.role not in {Role.ANALYST, Role.ADMIN}:
        raise LoanRefused("Only the bank records a facility's opening balance.")
    if LedgerEntry.objects.filter(facility=facility).exists():
        raise LoanRefused("The ledger already has entries: an opening balance comes first.")
    if amount <= 0:
        raise LoanRefused("An opening balance is more than zero.", field="amount")
    entry = _append(
        facility,
        kind=Kind.OPENING,
        amount=amount,
        value_date=value_date,
        actor=actor,
        description="Opening balance",
    )
    record(
        actor=actor,
        action="ledger.opening_balance",
        obj=entry,
        facility=facility,
        summary=f"Opening balance {money_text(amount)} valued {value_date}",
        changes={"amount": str(amount), "value_date": value_date.isoformat()},
    )
    _balance_changed(facility)
    return entry


# --- Fees and interest (abl/services/fees.py) ----------------------------------------------


@transaction.atomic
def charge_loan(
    *,
    facility: Facility,
    actor: User | None,
    kind: str,
    amount: Decimal,
    value_date: dt.date,
    description: str,
    source: str,
) -> LedgerEntry:
    """A fee or a month's interest charged to the loan (§9): one `fee` or `interest` entry,
    or interest given back (an adjustment down): a `correction` of less than zero.

    Called by the fee ledger's posting (`abl.services.fees`); `source` names the
    charge (e.g. "fees:monitoring:2003-04"), unique per facility, so the same
    charge is never written twice. Audited.
    """
    if kind not in {Kind.FEE, Kind.INTEREST, Kind.CORRECTION}:
        raise ValueError(f"not a charge to the loan: {kind!r}")
    if kind == Kind.CORRECTION and amount >= 0:
        raise LoanRefused("A correction given back must be less than zero.", field="amount")
    if kind != Kind.CORRECTION and amount <= 0:
        raise LoanRefused("A charge to the loan must be more than zero.", field="amount")
    facility = lock_facility(facility)
    entry = _append(
        facility,
        kind=kind,
        amount=amount,
        value_date=value_date,
        actor=actor,
        description=description,
        source=source,
    )
    record(
        actor=actor,
        action="ledger.corrected" if kind == Kind.CORRECTION else "ledger.charged",
        obj=entry,
        facility=facility,
        summary=f"{entry.get_kind_display()} {money_text(amount)} valued {value_date}: {description}",
        changes={"amount": str(amount), "value_date": value_date.isoformat(), "source": source},
    )
    _balance_changed(facility)
    return entry


# --- Advances ----------------------------------------------------------------------------


@transaction.atomic
def request_advance(
    *,
    facility: Facility,
    actor: User,
    amount: Decimal,
    value_date: dt.date | None = None,
    purpose: str = "",
    key: str,
) -> AdvanceRequest:
    """The borrower asks for an advance. The same key again returns the same request.

    Refused when the key was used for a different request, the amount is not
    more than zero, or the value date is before the business date or after
    maturity. Whether it fits the availability is decided at approval.

    The terms are read before the facility's lock, which every request and approval
    of the facility waits for: maturity is checked here as a courtesy, and again by
    the approval under the lock (`approval_refusal`), which is what books money.
    """
    terms = _terms(facility)
    facility = lock_facility(facility)  # one request per key, even from two clicks at once
    if not may_request_advance(actor, facility):
        raise LoanRefused(f"Only a user of {facility.borrower} asks for its advances.")
    today = business_date.today()
    value_date = value_date or today
    key = key.strip()
    if not key or len(key) > 100:
        raise LoanRefused("An idempotency key of 1 to 100 characters is required.", field="key")
    existing = AdvanceRequest.objects.filter(facility=facility, key=key).first()
    if existing is not None:
        if (existing.amount, existing.value_date) != (amount, value_date):
            raise LoanRefused(
                "This request was already made with another amount or value date: "
                f"advance request {existing.pk}, {money_text(existing.amount)} valued "
                f"{existing.value_date} (key {key!r}). "
                "To ask for another amount, make a new request.",
                field="key",
            )
        return existing
    if amount <= 0:
        raise LoanRefused("An advance must be more than zero.", field="amount")
    if value_date < today:
        raise LoanRefused(
            f"The value date {value_date} is before today's business date {today}.",
            field="value_date",
        )
    if terms is not None and value_date > terms.facility.maturity_date:
        raise LoanRefused(
            f"The facility matures on {terms.facility.maturity_date}: no advance after it.",
            field="value_date",
        )
    advance = AdvanceRequest.objects.create(
        facility=facility,
        key=key,
        amount=amount,
        value_date=value_date,
        purpose=purpose.strip(),
        requested_by=actor,
    )
    record(
        actor=actor,
        action="advance.requested",
        obj=advance,
        facility=facility,
        summary=f"Advance of {money_text(amount)} valued {value_date} requested"
        + (f": {advance.purpose}" if advance.purpose else ""),
        changes={"amount": str(amount), "value_date": value_date.isoformat(), "key": key},
    )
    return advance


def approval_refusal(advance: AdvanceRequest, live: LiveAvailability) -> str | None:
    """Why this advance cannot be approved against `live` (§7), or None: one rule for the
    page's warning and the approval itself."""
    return rules.advance_refusal(
        amount=advance.amount,
        value_date=advance.value_date,
        on=live.on,
        maturity_date=live.maturity_date or dt.date.max,
        in_default_since=live.in_default_since,
        certificate_as_of=live.certificate.as_of if live.certificate else None,
        current_until=live.current_until,
        committed=live.committed,
    )


@transaction.atomic
def approve_advance(*, advance: AdvanceRequest, actor: User, comment: str = "") -> AdvanceRequest:
    """Approve: the advance is booked to the ledger against the latest approved certificate.

    The request's and the facility's rows are locked first (one query) and every
    rule checked again inside the transaction, so two approvals of the same
    availability run one after the other; the ledger's constraints are the last
    line (docs/loans.md). The audit event is written last: the audit chain's lock
    is held from it to the commit.
    """
    advance = _locked_request(advance)
    facility = advance.facility
    if refusal := advance_decision_refusal(actor, advance):
        raise LoanRefused(refusal)
    live = live_availability(facility)
    if refusal := approval_refusal(advance, live):
        raise LoanRefused(refusal)
    assert live.committed is not None
    assert live.certificate is not None
    entry = _next_entry(
        facility,
        live.head,
        kind=Kind.ADVANCE,
        amount=advance.amount,
        value_date=advance.value_date,
        actor=actor,
        description=advance.purpose or "Advance",
        line_cap=live.committed.line_cap,
        certificate=live.certificate,
        advance=advance,
    )
    advance.status = AdvanceRequest.Status.APPROVED
    advance.decided_by, advance.decided_at = actor, timezone.now()
    advance.comment = comment.strip()
    advance.excess_before = live.committed.excess_availability
    entry.save(force_insert=True)
    advance.save(update_fields=["status", "decided_by", "decided_at", "comment", "excess_before"])
    after = live.committed.excess_availability - advance.amount
    record(
        actor=actor,
        action="advance.approved",
        obj=advance,
        facility=facility,
        summary=f"Advance of {money_text(advance.amount)} valued {advance.value_date} approved: "
        f"excess availability {money_text(live.committed.excess_availability)} → {money_text(after)}",
        changes={
            "amount": str(advance.amount),
            "excess_before": str(live.committed.excess_availability),
            "excess_after": str(after),
            "certificate": live.certificate.pk,
            "comment": advance.comment,
        },
    )
    _balance_changed(facility)
    return advance


@transaction.atomic
def decline_advance(*, advance: AdvanceRequest, actor: User, comment: str) -> AdvanceRequest:
    """Decline with a comment (required): nothing is booked."""
    advance = _locked_request(advance)
    if refusal := advance_decision_refusal(actor, advance):
        raise LoanRefused(refusal)
    if not comment.strip():
        raise LoanRefused("Say why: a comment is required to decline.", field="comment")
    advance.status = AdvanceRequest.Status.DECLINED
    advance.decided_by, advance.decided_at = actor, timezone.now()
    advance.comment = comment.strip()
    advance.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    record(
        actor=actor,
        action="advance.declined",
        obj=advance,
        facility=advance.facility,
        summary=f"Advance of {money_text(advance.amount)} declined: {advance.comment}",
        changes={"amount": str(advance.amount), "comment": advance.comment},
    )
    return advance


def _locked_request(advance: AdvanceRequest) -> AdvanceRequest:
    """The request and its facility, both rows locked in one statement, with the facility's
    borrower (only read).

    The facility's lock is the one every change of its ledger takes (abl/locks.py); no
    service locks a request after its facility, so every service that locks a request
    locks it this way, before anything is recorded, and one that waited gets the rows as
    the other left them.
    """
    return (
        AdvanceRequest.objects.select_related("facility__borrower")
        .select_for_update(of=("self", "facility"))
        .get(pk=advance.pk)
    )


# --- Repayments and collections ----------------------------------------------------------


def repayment_problem(
    facility: Facility, *, amount: Decimal, value_date: dt.date
) -> tuple[str, str] | None:
    """(field, message) when a repayment cannot be recorded now, or None: the rule of
    `abl.calc.repayments` against the facility's ledger (call under its row lock)."""
    problems, _ = repayment_rules.repayment_problems(
        repayment_rules.repayments_frame([(value_date, amount)]),
        ledger=_ledger_by_day(facility),
        today=business_date.today(),
    )
    return (problems[0].field, problems[0].message) if problems else None


def _ledger_by_day(facility: Facility) -> list[tuple[dt.date, Decimal]]:
    """The facility's ledger as (value date, the day's entries summed): a row a day."""
    return list(
        LedgerEntry.objects.filter(facility=facility)
        .order_by()
        .values("value_date")
        .annotate(total=Sum("amount"))
        .values_list("value_date", "total")
    )


@transaction.atomic
def record_repayment(
    *,
    facility: Facility,
    actor: User,
    amount: Decimal,
    value_date: dt.date,
    kind: str = Kind.REPAYMENT,
    description: str = "",
) -> LedgerEntry:
    """An analyst records money received against the loan: a repayment or a collection."""
    facility = lock_facility(facility)
    if not may_record_repayment(actor):
        raise LoanRefused("Only an ABL analyst records repayments and collections.")
    if kind not in {Kind.REPAYMENT, Kind.COLLECTION}:
        raise LoanRefused(f"Not a repayment or a collection: {kind!r}.", field="kind")
    if problem := repayment_problem(facility, amount=amount, value_date=value_date):
        field, message = problem
        raise LoanRefused(f"The {field.replace('_', ' ')} {message}.", field=field)
    entry = _append(
        facility,
        kind=kind,
        amount=-amount,
        value_date=value_date,
        actor=actor,
        description=description.strip() or Kind(kind).label,
    )
    _record_repayment_event(entry, actor)
    _balance_changed(facility)
    return entry


def _record_repayment_event(entry: LedgerEntry, actor: User) -> None:
    record(
        actor=actor,
        action=f"ledger.{entry.kind}",
        obj=entry,
        facility=entry.facility,
        summary=f"{entry.get_kind_display()} of {money_text(-entry.amount)} valued "
        f"{entry.value_date} recorded: outstanding {money_text(entry.balance_after)}",
        changes={
            "amount": str(entry.amount),
            "value_date": entry.value_date.isoformat(),
            "source": entry.source,
        },
    )


@dataclass(frozen=True)
class RepaymentImport:
    """What a file of repayments wrote: its entries are `first_seq` to `last_seq`."""

    file: str
    sha256: str
    entries: int
    first_seq: int
    last_seq: int
    repayments: Decimal
    collections: Decimal
    balance_after: Decimal


def import_repayments(*, facility: Facility, actor: User, upload: File) -> RepaymentImport:
    """Repayments and collections from a CSV or XLSX file, all or nothing.

    Read by the collateral files' reader rules (abl.readers.read_repayments:
    headers by alias, `$1,234.50`, `(5.00)`, two date formats), at most
    ABL_REPAYMENT_IMPORT_MAX_ROWS rows. Then, under the facility's lock, every
    row is held to the repayment rule (abl.calc.repayments) in file order,
    counting the ledger and the rows before it. Any problem refuses the whole
    file, every problem named by row and column up to ABL_UPLOAD_MAX_PROBLEMS
    (LoanRefused, field "file"); nothing is saved. Otherwise the rows are
    written at once (abl.bulk.copy_frame), an entry each in file order, each
    keeping the file's SHA-256 and its row as its source (the same file twice is
    refused), and one audit event records the import and the entries it wrote.
    """
    content = upload.read()
    digest = hashlib.sha256(content).hexdigest()
    name = Path(upload.name or "repayments.csv").name
    frame = _read_repayment_file(content, name)
    today = business_date.today()
    with transaction.atomic():
        facility = lock_facility(facility)
        if not may_record_repayment(actor):
            raise LoanRefused("Only an ABL analyst records repayments and collections.")
        earlier = LedgerEntry.objects.filter(
            facility=facility, source__startswith=f"{digest[:16]}:"
        ).first()
        if earlier is not None:
            raise LoanRefused(
                f"{name} was imported already, on {timezone.localtime(earlier.created_at):%Y-%m-%d}.",
                field="file",
            )
        problems, more = repayment_rules.repayment_problems(
            frame, ledger=_ledger_by_day(facility), today=today, limit=reader_limits().max_problems
        )
        if problems:
            rows = frame["row"]
            refusal = CollateralFileError(
                [Problem(rows[p.index], p.field, p.message) for p in problems], more=more
            )
            raise LoanRefused(f"{name} was refused:\n{refusal}", field="file")
        head = _head(facility)
        book = _repayment_entries(frame, facility=facility, actor=actor, head=head, digest=digest)
        bulk.copy_frame(LedgerEntry._meta.db_table, book)
        received = dict(frame.group_by("kind").agg(pl.col("amount_cents").sum()).iter_rows())
        done = RepaymentImport(
            file=name,
            sha256=digest,
            entries=frame.height,
            first_seq=head.seq + 1,
            last_seq=head.seq + frame.height,
            repayments=from_cents(received.get(Kind.REPAYMENT, 0)),
            collections=from_cents(received.get(Kind.COLLECTION, 0)),
            balance_after=head.balance - from_cents(sum(received.values())),
        )
        _record_import_event(done, actor=actor, facility=facility)
        _balance_changed(facility)
        return done


def _read_repayment_file(content: bytes, name: str) -> pl.DataFrame:
    """The file's rows (`row`, `value_date`, `amount_cents`, `kind`, `reference`), or
    LoanRefused naming every problem the reader found."""
    limits = dataclasses.replace(
        reader_limits(),
        max_rows=min(settings.ABL_UPLOAD_MAX_ROWS, settings.ABL_REPAYMENT_IMPORT_MAX_ROWS),
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{Path(name).suffix.lower()}"
        path.write_bytes(content)
        try:
            return read_repayments(path, limits=limits, filename=name)
        except CollateralFileError as error:
            raise LoanRefused(f"{name} was refused:\n{error}", field="file") from None


def _head(facility: Facility) -> LedgerHead:
    """The facility's last entry (call under its row lock)."""
    found = (
        LedgerEntry.objects.filter(facility=facility)
        .order_by("-seq")
        .values_list("seq", "balance_after")
        .first()
    )
    return LedgerHead(*found) if found is not None else LedgerHead(0, ZERO)


def _repayment_entries(
    frame: pl.DataFrame, *, facility: Facility, actor: User, head: LedgerHead, digest: str
) -> pl.DataFrame:
    """The ledger's rows for the file's rows, in file order after `head`: each the next
    place and the running balance (as `_next_entry` makes one), with the table's columns."""
    received = pl.col("amount_cents")
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    labels = {kind.value: str(kind.label) for kind in (Kind.REPAYMENT, Kind.COLLECTION)}
    return frame.select(
        facility_id=pl.lit(facility.pk, pl.Int64),
        seq=head.seq + pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        kind=pl.col("kind"),
        value_date=pl.col("value_date"),
        amount=bulk.cents_as_text(-received),
        balance_after=bulk.cents_as_text(to_cents(head.balance) - received.cum_sum()),
        description=pl.when(pl.col("reference").fill_null("") != "")
        .then(pl.col("reference"))
        .otherwise(pl.col("kind").replace_strict(labels)),
        source=pl.lit(f"{digest[:16]}:") + pl.col("row").cast(pl.Utf8),
        created_by_id=pl.lit(actor.pk, pl.Int64),
        created_at=pl.lit(str(created_at)),
    )


def _record_import_event(done: RepaymentImport, *, actor: User, facility: Facility) -> None:
    """One audit event for a file's entries: the file (its name, and its SHA-256, with
    whose first 16 characters every entry's source begins), the entries' places and sums."""
    total = done.repayments + done.collections
    record(
        actor=actor,
        action="ledger.repayments_imported",
        object_id=done.sha256,
        facility=facility,
        summary=f"{done.entries:,} repayments and collections of {money_text(total)} imported "
        f"from {done.file}: ledger entries {done.first_seq} to {done.last_seq}, outstanding "
        f"{money_text(done.balance_after)}",
        changes={
            "file": done.file,
            "sha256": done.sha256,
            "entries": done.entries,
            "first_seq": done.first_seq,
            "last_seq": done.last_seq,
            "repayments": str(done.repayments),
            "collections": str(done.collections),
            "balance_after": str(done.balance_after),
        },
    )


# --- Default -----------------------------------------------------------------------------


def _require_bank(user: User | None, what: str) -> None:
    if user is not None and user.role not in {Role.ANALYST, Role.ADMIN}:
        raise LoanRefused(f"Only the bank {what}.")


@transaction.atomic
def declare_event_of_default(
    *, facility: Facility, on: dt.date, reason: str, user: User | None
) -> Facility:
    """Put the facility in default from `on`: no advance is approved until it is cured.

    Already in default: nothing changes (a covenant case declaring again is harmless).
    `user` None is the system (a task).
    """
    facility = lock_facility(facility)
    _require_bank(user, "declares an event of default")
    if facility.in_default_since is not None:
        return facility
    facility.in_default_since = on
    facility.save(update_fields=["in_default_since"])
    record(
        actor=user,
        action="facility.default_declared",
        obj=facility,
        facility=facility,
        summary=f"Event of default declared from {on}: {reason}",
        changes={"in_default_since": on.isoformat(), "reason": reason},
    )
    return facility


@transaction.atomic
def cure_event_of_default(
    *, facility: Facility, on: dt.date, reason: str, user: User | None
) -> Facility:
    """End the default on `on` (cured or waived). Not in default: nothing changes."""
    facility = lock_facility(facility)
    _require_bank(user, "cures an event of default")
    if facility.in_default_since is None:
        return facility
    since = facility.in_default_since
    facility.in_default_since = None
    facility.save(update_fields=["in_default_since"])
    record(
        actor=user,
        action="facility.default_cured",
        obj=facility,
        facility=facility,
        summary=f"Event of default (since {since}) cured on {on}: {reason}",
        changes={"in_default_since": [since.isoformat(), None], "on": on.isoformat()},
    )
    return facility
