"""The fee ledger's rules (§9): monitoring, set-up, field exams and interest. Pure.

Monitoring ($1,555) is charged once for each calendar month in which the ABL
structure is in force: any day of the month from the terms date to maturity,
both included (the letter's terms date 2003-02-18 makes February 2003 the first
month, maturity 2005-06-30 makes June 2005 the last; a month is never prorated).

>>> monitoring_due(Month(2003, 2), terms_date=dt.date(2003, 2, 18), maturity_date=dt.date(2005, 6, 30))
True
>>> monitoring_due(Month(2005, 7), terms_date=dt.date(2003, 2, 18), maturity_date=dt.date(2005, 6, 30))
False

Interest accrues every day on that day's closing balance at the base rate in
force that day plus the margin the measured ratio in force that day chooses,
actual/360, and is rounded to cents once, for the month:

>>> month = month_interest(
...     Month(2003, 4),
...     balances=lambda day: Decimal("3600000.00"),
...     base_rates=[(dt.date(2003, 1, 1), Decimal("0.0425"))],
...     ratios=[],
...     levels=(PricingLevel(up_to=None, margin=Decimal("0.0075")),),
... )
>>> month.total  # 3,600,000 × 5.00% / 360 × 30 days
Decimal('15000.00')

An entry valued back into a month whose interest is posted changes that month's
interest: posting works it out again and writes the difference as an interest
adjustment (`interest_posting`), never changing what was posted.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from abl.calc.fee_terms import PricingLevel
from abl.calc.loans import balances_on
from abl.calc.money import ZERO, cents, money_text

DAY_COUNT_DIVISORS = {"actual/360": 360, "actual/365": 365}
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, e.g. Month(2003, 4) for April 2003 (written 2003-04)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise ValueError(f"not a month: {self.year:04d}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2003-04' → Month(2003, 4); anything else is a ValueError naming the text."""
        found = _MONTH.fullmatch(text.strip())
        if found is None:
            raise ValueError(f"not a month (YYYY-MM): {text.strip()!r}")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range(self.last.day)]

    def previous(self) -> Month:
        return Month.of(self.first - dt.timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def monitoring_due(month: Month, *, terms_date: dt.date, maturity_date: dt.date) -> bool:
    """Whether the monthly monitoring fee is charged for `month` (see the module)."""
    return month.first <= maturity_date and month.last >= terms_date


def setup_date(month: Month, *, terms_date: dt.date, maturity_date: dt.date) -> dt.date | None:
    """The date of the one-time set-up fee when it is posted with `month`, or None.

    It is charged with the first month posted in which the structure is in
    force: on the terms date when that falls in the month, else on its first day.
    The service charges it once (a database constraint too).
    """
    if not monitoring_due(month, terms_date=terms_date, maturity_date=maturity_date):
        return None
    return max(month.first, terms_date)


def field_exam_not_charged(*, year: int, number: int, max_per_year: int) -> str:
    """Why the `number`th field exam done in `year` is not charged ("" when it is, §9: the
    letter caps the charges, not the exams).

    >>> field_exam_not_charged(year=2003, number=3, max_per_year=3)
    ''
    >>> field_exam_not_charged(year=2003, number=4, max_per_year=3)
    'Not charged: field exam 4 of 2003, and at most 3 are charged per calendar year.'
    """
    if number > max_per_year:
        return (
            f"Not charged: field exam {number} of {year}, and at most {max_per_year} are "
            "charged per calendar year."
        )
    return ""


def field_exam_hold_refusal(
    *, year: int, number: int, max_per_year: int, reason: str
) -> str | None:
    """Why the bank may not hold the `number`th field exam of `year` as asked, or None when it
    may: beyond the most charged, it holds one only with its reason (risk, a breach) recorded.

    >>> field_exam_hold_refusal(year=2003, number=4, max_per_year=3, reason="")
    'Field exam 4 of 2003 is beyond the 3 charged per calendar year: give the reason the bank holds it (risk, a breach).'
    >>> field_exam_hold_refusal(year=2003, number=4, max_per_year=3, reason="Covenant breach")
    """
    if field_exam_not_charged(year=year, number=number, max_per_year=max_per_year) and not (
        reason.strip()
    ):
        return (
            f"Field exam {number} of {year} is beyond the {max_per_year} charged per calendar "
            "year: give the reason the bank holds it (risk, a breach)."
        )
    return None


# --- Interest ----------------------------------------------------------------------------


def in_force_on(
    series: Sequence[tuple[dt.date, Decimal | None]], day: dt.date
) -> tuple[bool, Decimal | None]:
    """The value of a dated series in force on `day`: (found, the latest value dated on or before it)."""
    found, value, latest = False, None, None
    for start, step in series:
        if start <= day and (latest is None or start >= latest):
            found, value, latest = True, step, start
    return found, value


def margin_for(levels: Sequence[PricingLevel], ratio: Decimal | None) -> Decimal:
    """The margin of the first level whose `up_to` the ratio does not exceed.

    A ratio not measured (no accepted covenant result, or a divisor of zero or
    less) takes the last level, the highest margin: a lender prices what it
    cannot measure as the worst case.

    >>> levels = (PricingLevel(Decimal("1.00"), Decimal("0.0025")), PricingLevel(None, Decimal("0.0075")))
    >>> margin_for(levels, Decimal("1.00")), margin_for(levels, Decimal("1.0001")), margin_for(levels, None)
    (Decimal('0.0025'), Decimal('0.0075'), Decimal('0.0075'))
    """
    if not levels:
        raise ValueError("the pricing matrix has no levels")
    if ratio is not None:
        for level in levels:
            if level.up_to is None or ratio <= level.up_to:
                return level.margin
    return levels[-1].margin


@dataclass(frozen=True)
class InterestDay:
    day: dt.date
    balance: Decimal
    base_rate: Decimal
    margin: Decimal
    accrual: Decimal  # unrounded

    @property
    def rate(self) -> Decimal:
        return self.base_rate + self.margin


class MissingBaseRate(ValueError):
    """A day with a balance and no base rate in force: interest cannot be worked out."""


@dataclass(frozen=True)
class InterestMonth:
    """A month's interest: every day's accrual, and the month's total rounded once."""

    month: Month
    day_count: str
    days: tuple[InterestDay, ...]
    total: Decimal

    def __post_init__(self) -> None:
        if self.total != cents(sum((d.accrual for d in self.days), ZERO)):
            raise ValueError("the month's interest is not its days' accruals rounded once")
        if [d.day for d in self.days] != self.month.days():
            raise ValueError("the month's interest does not cover every day of the month")

    def description(self, *, base_name: str, placeholder: bool) -> str:
        """E.g. 'Interest 2003-04: 30 days, actual/360, prime 4.25% + margin 0.50%'."""
        charged = [d for d in self.days if d.balance > 0]
        rates = sorted({(d.base_rate, d.margin) for d in charged})
        parts = ", ".join(
            f"{base_name} {percent_text(base)} + margin {percent_text(margin)}"
            for base, margin in rates
        )
        text = f"Interest {self.month}: {len(charged)} days with a balance, {self.day_count}"
        text += f", {parts}" if parts else ""
        if placeholder:
            text += " (pricing levels are placeholders, not the December matrix)"
        return text


def interest_posting(recomputed: Decimal, posted: Sequence[Decimal]) -> tuple[str, Decimal] | None:
    """What posting writes for a month's interest worked out as `recomputed`, given the
    interest and adjustments already `posted` for it: (kind, amount), or None for nothing.

    The month's first interest is an `interest` charge (none when it is zero);
    after that, the difference between the interest worked out now and all that
    is posted is an `interest_adjustment`, up or down; none when they agree, so
    posting again on the same ledger adds nothing.

    >>> interest_posting(Decimal("17004.40"), [])
    ('interest', Decimal('17004.40'))
    >>> interest_posting(Decimal("0.00"), []) is None
    True
    >>> interest_posting(Decimal("16296.07"), [Decimal("17004.40")])
    ('interest_adjustment', Decimal('-708.33'))
    >>> interest_posting(Decimal("16296.07"), [Decimal("17004.40"), Decimal("-708.33")]) is None
    True
    """
    if not posted:
        return ("interest", recomputed) if recomputed > 0 else None
    difference = recomputed - sum(posted, ZERO)
    return ("interest_adjustment", difference) if difference != 0 else None


def adjustment_description(
    month: Month, *, recomputed: Decimal, posted: Decimal, through: int
) -> str:
    """E.g. 'Interest adjustment 2003-04: worked out again on the ledger through entry 9,
    16,296.07, less 17,004.40 posted before'.

    >>> adjustment_description(
    ...     Month(2003, 4), recomputed=Decimal("16296.07"), posted=Decimal("17004.40"), through=9
    ... )
    'Interest adjustment 2003-04: worked out again on the ledger through entry 9, 16,296.07, less 17,004.40 posted before'
    """
    return (
        f"Interest adjustment {month}: worked out again on the ledger through entry {through}, "
        f"{money_text(recomputed)}, less {money_text(posted)} posted before"
    )


def percent_text(rate: Decimal) -> str:
    """A yearly rate as a percentage, as precise as it is: 0.0425 → '4.25%', 0.04 → '4%'."""
    return f"{(rate * 100).normalize():f}%" if rate else "0%"


def closing_balances(
    entries: Iterable[tuple[dt.date, Decimal]], month: Month
) -> dict[dt.date, Decimal]:
    """The ledger's balance at the end of each day of `month`, from its signed entries (the
    ledger's one running balance, `abl.calc.loans.balances_on`).

    >>> closing = closing_balances(
    ...     [(dt.date(2003, 3, 1), Decimal("10.00")), (dt.date(2003, 4, 16), Decimal("-4.00"))],
    ...     Month(2003, 4),
    ... )
    >>> closing[dt.date(2003, 4, 15)], closing[dt.date(2003, 4, 16)]
    (Decimal('10.00'), Decimal('6.00'))
    """
    return balances_on(entries, month.days())


def month_interest(
    month: Month,
    *,
    balances: Callable[[dt.date], Decimal],
    base_rates: Sequence[tuple[dt.date, Decimal]],
    ratios: Sequence[tuple[dt.date, Decimal | None]],
    levels: Sequence[PricingLevel],
    day_count: str = "actual/360",
) -> InterestMonth:
    """Interest for `month` (see the module): `balances(day)` is the closing balance of the day,
    `base_rates` the dated base rate series, `ratios` the measured ratio by the date it applies
    from (None: not measurable). A day with no balance accrues nothing and needs no base rate.
    """
    divisor = DAY_COUNT_DIVISORS.get(day_count)
    if divisor is None:
        raise ValueError(f"unknown day count {day_count!r}")
    days = []
    for day in month.days():
        balance = balances(day)
        found, base = in_force_on(base_rates, day)
        _, ratio = in_force_on(ratios, day)
        margin = margin_for(levels, ratio)
        if balance <= 0:
            days.append(InterestDay(day, balance, base or ZERO, margin, ZERO))
            continue
        if not found or base is None:
            raise MissingBaseRate(f"no base rate is in force on {day.isoformat()}")
        days.append(InterestDay(day, balance, base, margin, balance * (base + margin) / divisor))
    total = cents(sum((d.accrual for d in days), ZERO))
    return InterestMonth(month=month, day_count=day_count, days=tuple(days), total=total)


# --- The statement -----------------------------------------------------------------------

KINDS = ("monitoring", "setup", "field_exam", "interest", "interest_adjustment")
KIND_LABELS = {
    "monitoring": "Monitoring fee",
    "setup": "Set-up fee",
    "field_exam": "Field exam",
    "interest": "Interest",
    "interest_adjustment": "Interest adjustment",
}


@dataclass(frozen=True)
class StatementLine:
    date: dt.date
    kind: str
    description: str
    amount: Decimal

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class FeeStatement:
    """A facility's charges of a month; the total is the sum of its lines or it refuses to exist."""

    facility: str
    month: Month
    lines: tuple[StatementLine, ...]
    total: Decimal

    def __post_init__(self) -> None:
        if self.total != sum((line.amount for line in self.lines), ZERO):
            raise ValueError("a fee statement's total is the sum of its lines")
        for line in self.lines:
            if line.kind not in KINDS or Month.of(line.date) != self.month:
                raise ValueError(f"not a line of {self.month}'s fees: {line}")

    def to_data(self) -> dict[str, object]:
        """The §10 JSON: money as strings with two decimals."""
        return {
            "facility": self.facility,
            "month": str(self.month),
            "lines": [
                {
                    "date": line.date.isoformat(),
                    "kind": line.kind,
                    "description": line.description,
                    "amount": f"{cents(line.amount):.2f}",
                }
                for line in self.lines
            ],
            "total": f"{cents(self.total):.2f}",
        }

    def state(self, *, placeholder: bool) -> str:
        """The SHA-256 of what the statement says (its §10 JSON and whether it carries the
        placeholder note): the same state, the same PDF.

        >>> empty = fee_statement("innotrac-2003", Month(2003, 4), [])
        >>> empty.state(placeholder=True) == empty.state(placeholder=True) != empty.state(placeholder=False)
        True
        """
        text = json.dumps({**self.to_data(), "placeholder": placeholder}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def fee_statement(facility: str, month: Month, lines: Sequence[StatementLine]) -> FeeStatement:
    """The statement of `lines`, in date then kind order, with their sum."""
    ordered = tuple(sorted(lines, key=lambda line: (line.date, KINDS.index(line.kind))))
    return FeeStatement(
        facility=facility,
        month=month,
        lines=ordered,
        total=sum((line.amount for line in ordered), ZERO),
    )
