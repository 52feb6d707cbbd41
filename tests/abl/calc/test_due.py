"""§6 due dates: monthly 15 days after month end, weekly each Wednesday for the week ending the
prior Friday, financial statements 30 days after each month end; a due date on a weekend rolls
to the Monday; what is due next is the oldest period owed (since the switch) and not received."""

import datetime as dt

import pytest

from abl.calc.due import Due, DueRules

INNOTRAC = DueRules(monthly_due_days=15, weekly_due_weekday="wednesday", financials_due_days=30)
D = dt.date


@pytest.mark.parametrize(
    ("on", "period_end", "due_on"),
    [
        (D(2003, 4, 1), D(2003, 3, 31), D(2003, 4, 15)),
        (D(2003, 4, 15), D(2003, 3, 31), D(2003, 4, 15)),
        (D(2003, 4, 16), D(2003, 4, 30), D(2003, 5, 15)),
        (D(2003, 3, 10), D(2003, 2, 28), D(2003, 3, 17)),  # the 15th a Saturday
        (D(2004, 3, 1), D(2004, 2, 29), D(2004, 3, 15)),
        (D(2003, 12, 20), D(2003, 12, 31), D(2004, 1, 15)),
    ],
)
def test_monthly_certificate_due_fifteen_days_after_month_end(on, period_end, due_on):
    assert INNOTRAC.first_due_from("certificate", "monthly", on) == Due(
        "certificate", "monthly", period_end, due_on
    )


@pytest.mark.parametrize(
    ("on", "friday", "wednesday"),
    [
        (D(2003, 4, 2), D(2003, 3, 28), D(2003, 4, 2)),  # Wednesday: last week's, due today
        (D(2003, 4, 3), D(2003, 4, 4), D(2003, 4, 9)),  # Thursday: the week ending tomorrow
        (D(2003, 4, 4), D(2003, 4, 4), D(2003, 4, 9)),  # Friday: the week ending today
        (D(2003, 4, 5), D(2003, 4, 4), D(2003, 4, 9)),  # Saturday
        (D(2003, 4, 7), D(2003, 4, 4), D(2003, 4, 9)),  # Monday
        (D(2003, 4, 9), D(2003, 4, 4), D(2003, 4, 9)),  # the Wednesday itself
        (D(2003, 4, 10), D(2003, 4, 11), D(2003, 4, 16)),  # Thursday: the next week's
    ],
)
def test_weekly_certificate_due_each_wednesday_for_the_week_ending_the_prior_friday(
    on, friday, wednesday
):
    assert INNOTRAC.first_due_from("certificate", "weekly", on) == Due(
        "certificate", "weekly", friday, wednesday
    )


@pytest.mark.parametrize(
    ("on", "period_end", "due_on"),
    [
        (D(2003, 4, 7), D(2003, 3, 31), D(2003, 4, 30)),
        (D(2003, 4, 30), D(2003, 3, 31), D(2003, 4, 30)),
        (D(2003, 5, 1), D(2003, 4, 30), D(2003, 5, 30)),
        (D(2003, 3, 1), D(2003, 1, 31), D(2003, 3, 3)),  # 2 March a Sunday
    ],
)
def test_financial_statements_due_thirty_days_after_each_month_end(on, period_end, due_on):
    assert INNOTRAC.first_due_from("financials", None, on) == Due(
        "financials", "", period_end, due_on
    )


def test_schedule_lists_every_report_due_from_the_start_to_the_next_one():
    weeks = INNOTRAC.schedule("certificate", "weekly", start=D(2003, 4, 7), on=D(2003, 4, 30))
    months = INNOTRAC.schedule("financials", None, start=D(2003, 2, 18), on=D(2003, 5, 1))

    assert [d.due_on for d in weeks] == [D(2003, 4, d) for d in (9, 16, 23, 30)]
    assert [d.period_end for d in months] == [
        D(2003, 1, 31),
        D(2003, 2, 28),
        D(2003, 3, 31),
        D(2003, 4, 30),
    ]
    assert [d.due_on for d in months] == [
        D(2003, 3, 3),  # Sunday the 2nd rolled
        D(2003, 3, 31),  # Sunday the 30th rolled
        D(2003, 4, 30),
        D(2003, 5, 30),
    ]


def test_another_weekday_is_followed():
    friday_due = DueRules(15, "friday", 30)

    assert friday_due.due_for("certificate", "weekly", D(2003, 4, 4)).due_on == D(2003, 4, 11)


@pytest.mark.parametrize(
    ("kind", "frequency", "period_end", "due_on"),
    [
        ("certificate", "monthly", D(2003, 2, 28), D(2003, 3, 17)),  # Sat 15 March → Monday
        ("certificate", "monthly", D(2003, 5, 31), D(2003, 6, 16)),  # Sun 15 June → Monday
        ("certificate", "monthly", D(2003, 3, 31), D(2003, 4, 15)),  # a Tuesday stays
        ("financials", None, D(2003, 1, 31), D(2003, 3, 3)),  # Sun 2 March → Monday
        ("financials", None, D(2003, 3, 31), D(2003, 4, 30)),  # a Wednesday stays
    ],
)
def test_a_due_date_on_a_weekend_rolls_to_the_next_weekday(kind, frequency, period_end, due_on):
    assert INNOTRAC.due_for(kind, frequency, period_end).due_on == due_on


def test_a_weekly_due_day_on_a_weekend_rolls_to_the_monday():
    saturday_due = DueRules(15, "saturday", 30)

    assert saturday_due.due_for("certificate", "weekly", D(2003, 4, 4)).due_on == D(2003, 4, 7)


def test_next_due_is_the_following_period_once_a_period_is_received():
    # Monthly since 7 April; the certificate as of 31 March (due 15 April) was submitted.
    owed = {"owed_from": D(2003, 4, 7)}

    nothing_in = INNOTRAC.next_due("certificate", "monthly", **owed)
    march_in = INNOTRAC.next_due("certificate", "monthly", received_through=D(2003, 3, 31), **owed)
    april_in = INNOTRAC.next_due("certificate", "monthly", received_through=D(2003, 4, 30), **owed)

    assert nothing_in == Due("certificate", "monthly", D(2003, 3, 31), D(2003, 4, 15))
    assert march_in == Due("certificate", "monthly", D(2003, 4, 30), D(2003, 5, 15))
    assert april_in == Due("certificate", "monthly", D(2003, 5, 31), D(2003, 6, 16))


def test_a_certificate_received_covers_every_period_up_to_its_as_of_date():
    received_mid_week = INNOTRAC.next_due(
        "certificate", "weekly", owed_from=D(2003, 4, 7), received_through=D(2003, 4, 16)
    )

    assert received_mid_week.period_end == D(2003, 4, 18)


def test_next_statements_due_skip_the_months_received_and_keep_a_missing_one():
    owed = {"owed_from": D(2003, 4, 7)}

    march_and_april_in = INNOTRAC.next_due(
        "financials", None, received=[D(2003, 3, 31), D(2003, 4, 30)], **owed
    )
    april_only = INNOTRAC.next_due("financials", None, received=[D(2003, 4, 30)], **owed)

    assert march_and_april_in == Due("financials", "", D(2003, 5, 31), D(2003, 6, 30))
    assert april_only == Due("financials", "", D(2003, 3, 31), D(2003, 4, 30))  # March owed


def test_after_a_switch_only_periods_due_on_or_after_it_are_owed():
    # Switched to weekly on Thursday 10 April: the week to 4 April (due the 9th) is not owed.
    switched = INNOTRAC.next_due(
        "certificate", "weekly", owed_from=D(2003, 4, 10), received_through=D(2003, 3, 31)
    )

    assert switched == Due("certificate", "weekly", D(2003, 4, 11), D(2003, 4, 16))


def test_rules_refuse_what_cannot_be_scheduled():
    with pytest.raises(ValueError, match="day of the week"):
        DueRules(15, "someday", 30)
    with pytest.raises(ValueError, match="at least one day"):
        DueRules(0, "wednesday", 30)
    with pytest.raises(ValueError, match="frequency"):
        INNOTRAC.due_for("certificate", None, D(2003, 3, 31))
    with pytest.raises(ValueError, match="after its period"):
        Due("financials", "", D(2003, 3, 31), D(2003, 3, 31))
