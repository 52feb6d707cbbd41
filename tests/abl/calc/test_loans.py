"""The ledger's arithmetic, availability, staleness and the advance rules (§5–§7), pure."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.calc.due import DueRules
from abl.calc.loans import (
    Availability,
    advance_refusal,
    availability,
    balance_on,
    balances_on,
    certificate_stale,
    current_until,
    daily_balances,
    lowest_balance_from,
    running_balances,
)

D = Decimal
INNOTRAC_DUE = DueRules(monthly_due_days=15, weekly_due_weekday="wednesday", financials_due_days=30)
ENTRIES = [
    (dt.date(2003, 4, 1), D("5000000.00")),
    (dt.date(2003, 4, 3), D("-250000.00")),
    (dt.date(2003, 4, 3), D("100000.00")),
    (dt.date(2003, 4, 10), D("-4850000.00")),
]


@pytest.mark.parametrize(
    ("on", "balance"),
    [
        (dt.date(2003, 3, 31), D("0.00")),
        (dt.date(2003, 4, 1), D("5000000.00")),
        (dt.date(2003, 4, 2), D("5000000.00")),
        (dt.date(2003, 4, 3), D("4850000.00")),
        (dt.date(2003, 4, 10), D("0.00")),
    ],
)
def test_balance_on_a_date_sums_the_entries_to_that_date(on, balance):
    assert balance_on(ENTRIES, on) == balance


def test_daily_balances_end_where_the_entries_sum():
    days = daily_balances(ENTRIES)

    assert [(d.day, d.movement, d.balance) for d in days] == [
        (dt.date(2003, 4, 1), D("5000000.00"), D("5000000.00")),
        (dt.date(2003, 4, 3), D("-150000.00"), D("4850000.00")),
        (dt.date(2003, 4, 10), D("-4850000.00"), D("0.00")),
    ]
    assert sum(d.movement for d in days) == sum(amount for _, amount in ENTRIES)


def test_lowest_balance_looks_at_every_later_day():
    assert lowest_balance_from(
        [*ENTRIES, (dt.date(2003, 4, 2), D("-4900000.00"))], dt.date(2003, 4, 2)
    ) == D("-4900000.00")


@pytest.mark.parametrize(
    ("as_of", "frequency", "until"),
    [
        (dt.date(2003, 3, 31), "monthly", dt.date(2003, 5, 15)),
        (dt.date(2003, 1, 31), "monthly", dt.date(2003, 3, 17)),  # Feb 28 + 15: a Saturday
        (dt.date(2003, 12, 31), "monthly", dt.date(2004, 2, 16)),  # the 15th a Sunday
        (dt.date(2003, 3, 15), "monthly", dt.date(2003, 4, 15)),  # the March period, due Apr 15
        (
            dt.date(2003, 4, 4),
            "weekly",
            dt.date(2003, 4, 16),
        ),  # Friday → the Wednesday after next Friday
        (dt.date(2003, 4, 9), "weekly", dt.date(2003, 4, 16)),  # a Wednesday: the week to Friday
    ],
)
def test_a_certificate_is_current_until_its_next_one_is_due(as_of, frequency, until):
    assert current_until(as_of, frequency=frequency, rules=INNOTRAC_DUE) == until
    rules = {"frequency": frequency, "rules": INNOTRAC_DUE}
    assert certificate_stale(as_of, on=until, **rules) is False
    assert certificate_stale(as_of, on=until + dt.timedelta(days=1), **rules) is True


def test_a_switch_to_weekly_keeps_the_certificate_current_until_the_first_weekly_one_is_due():
    # Approved as of 31 March; its approval on Thursday 10 April switches to weekly. The
    # first weekly certificate owed is the week to Friday the 11th, due Wednesday the 16th.
    switched = {"frequency": "weekly", "rules": INNOTRAC_DUE, "since": dt.date(2003, 4, 10)}

    assert current_until(dt.date(2003, 3, 31), **switched) == dt.date(2003, 4, 16)
    assert certificate_stale(dt.date(2003, 3, 31), on=dt.date(2003, 4, 10), **switched) is False
    assert certificate_stale(dt.date(2003, 3, 31), on=dt.date(2003, 4, 16), **switched) is False
    assert certificate_stale(dt.date(2003, 3, 31), on=dt.date(2003, 4, 17), **switched) is True


def _availability(outstanding: str, basis: str = "line_cap") -> Availability:
    return availability(
        borrowing_base=D("8500000.00"),
        reserves=D("0.00"),
        line_cap=D("8500000.00"),
        commitment=D("40000000.00"),
        outstanding=D(outstanding),
        basis=basis,
        threshold_pct=D("0.15"),
    )


@pytest.mark.parametrize(
    ("outstanding", "frequency"),
    [("7225000.00", "weekly"), ("7224999.99", "monthly"), ("9000000.00", "weekly")],
)
def test_availability_follows_the_letters_fifteen_percent(outstanding, frequency):
    result = _availability(outstanding)

    assert result.excess_availability == D("8500000.00") - D(outstanding)
    assert result.reporting_frequency == frequency


def test_availability_on_the_commitment_basis_divides_by_the_commitment():
    assert _availability("2500000.00", "commitment").excess_availability_pct == D("0.15")


def test_availability_refuses_figures_that_do_not_add_up():
    good = _availability("1000000.00")

    with pytest.raises(ValueError, match="line cap − outstanding"):
        Availability(**{**good.__dict__, "excess_availability": D("1.00")})
    with pytest.raises(ValueError, match="§6"):
        Availability(**{**good.__dict__, "reporting_frequency": "weekly"})


RULES = {
    "value_date": dt.date(2003, 4, 7),
    "on": dt.date(2003, 4, 7),
    "maturity_date": dt.date(2005, 6, 30),
    "in_default_since": None,
    "certificate_as_of": dt.date(2003, 3, 31),
    "current_until": dt.date(2003, 5, 15),
}


@pytest.mark.parametrize(
    ("amount", "changes", "refusal"),
    [
        ("1500000.00", {}, None),
        (
            "1500000.01",
            {},
            "The advance of 1,500,000.01 would take excess availability below zero: "
            "1,500,000.00 available, (0.01) after.",
        ),
        ("0.00", {}, "An advance must be more than zero (asked: 0.00)."),
        (
            "1.00",
            {"on": dt.date(2005, 7, 1), "value_date": dt.date(2005, 7, 1)},
            "The facility matured on 2005-06-30: no advance after maturity.",
        ),
        (
            "1.00",
            {"in_default_since": dt.date(2003, 4, 7)},
            "The facility is in default since 2003-04-07: no advance is made.",
        ),
        ("1.00", {"in_default_since": dt.date(2003, 4, 8)}, None),
        (
            "1.00",
            {"value_date": dt.date(2003, 4, 6)},
            "The value date 2003-04-06 is before today's business date 2003-04-07.",
        ),
        (
            "1.00",
            {"on": dt.date(2003, 5, 16), "value_date": dt.date(2003, 5, 16)},
            "The latest approved certificate, as of 2003-03-31, is stale "
            "(current until 2003-05-15): a new one must be approved first.",
        ),
    ],
)
def test_advance_refusals(amount, changes, refusal):
    committed = _availability("7000000.00")

    assert advance_refusal(amount=D(amount), committed=committed, **{**RULES, **changes}) == refusal


# §7: the running balance follows value dates, then the order the entries were recorded.
LATE = [
    (dt.date(2003, 4, 7), 1, D("100000.00")),  # an advance
    (dt.date(2003, 2, 28), 2, D("1125.00")),  # the set-up fee, recorded later, valued earlier
    (dt.date(2003, 3, 31), 3, D("1555.00")),  # March's monitoring fee
    (dt.date(2003, 3, 31), 4, D("-500.00")),  # a repayment the same day, recorded after it
]


def test_running_balances_follow_value_dates_then_recording_order():
    rows = running_balances(LATE)

    assert [(r.seq, r.balance) for r in rows] == [
        (2, D("1125.00")),
        (3, D("2680.00")),
        (4, D("2180.00")),
        (1, D("102180.00")),
    ]


def test_running_balances_end_at_every_entry_summed_whatever_their_order():
    assert running_balances(LATE)[-1].balance == sum(amount for _, _, amount in LATE)
    assert running_balances(reversed(LATE)) == running_balances(LATE)


@pytest.mark.parametrize(
    ("on", "balance"),
    [
        (dt.date(2003, 2, 27), D("0.00")),
        (dt.date(2003, 2, 28), D("1125.00")),
        (dt.date(2003, 3, 31), D("2180.00")),
        (dt.date(2003, 4, 6), D("2180.00")),
        (dt.date(2003, 4, 7), D("102180.00")),
    ],
)
def test_the_balance_on_a_date_is_the_running_balance_after_its_last_entry(on, balance):
    pairs = [(value_date, amount) for value_date, _, amount in LATE]
    after = [r.balance for r in running_balances(LATE) if r.value_date <= on]

    assert balances_on(pairs, [on]) == {on: balance}
    assert balance_on(pairs, on) == balance == (after[-1] if after else D("0.00"))
