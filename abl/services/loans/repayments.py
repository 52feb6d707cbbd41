"""Repayments and collections (§5; docs/loans.md): one recorded by an analyst, or a file
of them imported all or nothing."""

import dataclasses
import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from abl import bulk, business_date
from abl.access import may_keep_books
from abl.audit import record
from abl.business_date import record_date
from abl.calc import repayments as repayment_rules
from abl.calc.money import from_cents, money_text, to_cents
from abl.locks import lock_facility
from abl.models import Facility, LedgerEntry, User
from abl.readers import CollateralFileError, Problem
from abl.readers.files import Checked, check_repayments
from abl.reading import reader_limits
from abl.services.errors import LoanRefused
from abl.services.loans.ledger import (
    Kind,
    LedgerHead,
    append_entry,
    balance_changed,
    ledger_by_day,
    ledger_head,
)


def repayment_problem(
    facility: Facility, *, amount: Decimal, value_date: dt.date
) -> tuple[str, str] | None:
    """(field, message) when a repayment cannot be recorded now, or None: the rule of
    `abl.calc.repayments` against the facility's ledger (call under its row lock)."""
    problems, _ = repayment_rules.repayment_problems(
        repayment_rules.repayments_frame([(value_date, amount)]),
        ledger=ledger_by_day(facility),
        today=business_date.today(),
    )
    return (problems[0].field, problems[0].message) if problems else None


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
    if not may_keep_books(actor):
        raise LoanRefused("Only an ABL analyst records repayments and collections.")
    if kind not in {Kind.REPAYMENT, Kind.COLLECTION}:
        raise LoanRefused(f"Not a repayment or a collection: {kind!r}.", field="kind")
    if problem := repayment_problem(facility, amount=amount, value_date=value_date):
        field, message = problem
        raise LoanRefused(f"The {field.replace('_', ' ')} {message}.", field=field)
    entry = append_entry(
        facility,
        kind=kind,
        amount=-amount,
        value_date=value_date,
        actor=actor,
        description=description.strip() or Kind(kind).label,
    )
    _record_repayment_event(entry, actor)
    balance_changed(facility)
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
    file, every problem (the cells' and the rule's together) named by row and
    column up to ABL_UPLOAD_MAX_PROBLEMS (LoanRefused, field "file"); nothing is saved. Otherwise the rows are
    written at once (abl.bulk.copy_frame), an entry each in file order, each
    keeping the file's SHA-256 and its row as its source (the same file twice is
    refused), and one audit event records the import and the entries it wrote.
    """
    content = upload.read()
    digest = hashlib.sha256(content).hexdigest()
    name = Path(upload.name or "repayments.csv").name
    checked = _read_repayment_file(content, name)
    today = business_date.today()
    with transaction.atomic():
        facility = lock_facility(facility)
        if not may_keep_books(actor):
            raise LoanRefused("Only an ABL analyst records repayments and collections.")
        earlier = LedgerEntry.objects.filter(
            facility=facility, source__startswith=f"{digest[:16]}:"
        ).first()
        if earlier is not None:
            raise LoanRefused(
                f"{name} was imported already, on "
                f"{record_date(earlier.recorded_on, earlier.created_at)}.",
                field="file",
            )
        _refuse_if_any(checked, facility=facility, today=today, name=name)
        frame = checked.frame
        head = ledger_head(facility)
        book = _repayment_entries(
            frame, facility=facility, actor=actor, head=head, digest=digest, today=today
        )
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
        balance_changed(facility)
        return done


def _refuse_if_any(checked: Checked, *, facility: Facility, today: dt.date, name: str) -> None:
    """LoanRefused naming every problem of the file at once, by row: its cells' (the reader's)
    and, for the rows whose cells are fine, the repayment rule's against the ledger (a row
    refused is not counted for the rows after it); the first ABL_UPLOAD_MAX_PROBLEMS listed."""
    limit = reader_limits().max_problems
    found, more = repayment_rules.repayment_problems(
        checked.frame, ledger=ledger_by_day(facility), today=today, limit=limit
    )
    if not (found or checked.count):
        return
    rows = checked.frame["row"]
    problems = [*checked.problems, *(Problem(rows[p.index], p.field, p.message) for p in found)]
    shown = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))[:limit]
    total = checked.count + len(found) + more
    refusal = CollateralFileError(shown, more=total - len(shown))
    raise LoanRefused(f"{name} was refused:\n{refusal}", field="file")


def _read_repayment_file(content: bytes, name: str) -> Checked:
    """The file's rows without a problem (`row`, `value_date`, `amount_cents`, `kind`,
    `reference`) and the problems of the others; LoanRefused for a problem of the file
    itself (its headers, no rows, too many)."""
    limits = dataclasses.replace(
        reader_limits(),
        max_rows=min(settings.ABL_UPLOAD_MAX_ROWS, settings.ABL_REPAYMENT_IMPORT_MAX_ROWS),
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{Path(name).suffix.lower()}"
        path.write_bytes(content)
        try:
            return check_repayments(path, limits=limits, filename=name)
        except CollateralFileError as error:
            raise LoanRefused(f"{name} was refused:\n{error}", field="file") from None


def _repayment_entries(
    frame: pl.DataFrame,
    *,
    facility: Facility,
    actor: User,
    head: LedgerHead,
    digest: str,
    today: dt.date,
) -> pl.DataFrame:
    """The ledger's rows for the file's rows, in file order after `head`: each the next
    place and the running balance (as `next_entry` makes one), with the table's columns."""
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
        recorded_on=pl.lit(today, pl.Date),
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
