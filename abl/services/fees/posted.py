"""What the fee ledger has posted (§9; docs/fees.md), read for a posting: each facility's
charges and its loan ledger up to the posted month, kept up to date as the posting goes on."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from abl.calc.fees import Month
from abl.models import Facility, FeeCharge, LedgerEntry

Kind = FeeCharge.Kind
INTEREST_LINES = (Kind.INTEREST, Kind.INTEREST_ADJUSTMENT)


@dataclass
class PostedMonth:
    """What a facility has posted for one month: its interest lines and when it was first posted."""

    interest: list[Decimal] = field(default_factory=list)  # interest and adjustments, signed
    basis: int = 0  # the last ledger entry (seq) its interest was worked out on
    first_posted: dt.datetime | None = None


@dataclass(frozen=True)
class LedgerLine:
    seq: int
    value_date: dt.date
    amount: Decimal
    interest_of: dt.date | None  # an interest line: the period it is for


@dataclass
class FeeLedger:
    """One facility's ledger up to the posted month's end and what it has posted, kept up to
    date as posting goes on (each charge it writes is noted and added)."""

    facility: Facility
    entries: list[LedgerLine] = field(default_factory=list)
    months: dict[dt.date, PostedMonth] = field(default_factory=dict)
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
        posted = self.months.setdefault(period, PostedMonth())
        if kind in INTEREST_LINES:
            # Worked out on every entry before its own (an adjustment: through `through`).
            posted.basis = max(posted.basis if posted.interest else 0, through or seq)
            posted.interest.append(amount)
        elif not posted.interest:
            posted.basis = max(posted.basis, seq)
        if posted.first_posted is None or posted_at < posted.first_posted:
            posted.first_posted = posted_at

    def seen_by(self, month: Month) -> list[LedgerLine]:
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


def read_ledgers(facilities: list[Facility], month: Month) -> dict[int, FeeLedger]:
    """Each facility's charges (all months) and ledger entries (valued to `month`'s end)."""
    ledgers = {f.pk: FeeLedger(f) for f in facilities}
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
        ledgers[facility_id].entries.append(LedgerLine(seq, day, amount, lines.get(pk)))
    return ledgers
