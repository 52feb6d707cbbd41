"""§6 due dates: monthly 15 days after month end, weekly each Wednesday for the week ending the
prior Friday, financial statements 30 days after each month end."""

import datetime as dt

import pytest

from abl.calc.due import Due, DueRules, previous_friday

INNOTRAC = DueRules(monthly_due_days=15, weekly_due_weekday="wednesday", financials_due_days=30)
D = dt.date


@pytest.mark.parametrize(
    ("on", "period_end", "due_on"),
    [
        (D(2003, 4, 1), D(2003, 3, 31), D(2003, 4, 15)),
        (D(2003, 4, 15), D(2003, 3, 31), D(2003, 4, 15)),
        (D(2003, 4, 16), D(2003, 4, 30), D(2003, 5, 15)),
        (D(2003, 3, 10), D(2003, 2, 28), D(2003, 3, 15)),
        (D(2004, 3, 1), D(2004, 2, 29), D(2004, 3, 15)),
        (D(2003, 12, 20), D(2003, 12, 31), D(2004, 1, 15)),
    ],
)
def test_monthly_certificate_due_fifteen_days_after_month_end(on, period_end, due_on):
    assert INNOTRAC.next_due("certificate", "monthly", on=on) == Due(
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
    assert INNOTRAC.next_due("certificate", "weekly", on=on) == Due(
        "certificate", "weekly", friday, wednesday
    )


@pytest.mark.parametrize(
    ("on", "period_end", "due_on"),
    [
        (D(2003, 4, 7), D(2003, 3, 31), D(2003, 4, 30)),
        (D(2003, 4, 30), D(2003, 3, 31), D(2003, 4, 30)),
        (D(2003, 5, 1), D(2003, 4, 30), D(2003, 5, 30)),
        (D(2003, 3, 1), D(2003, 1, 31), D(2003, 3, 2)),
    ],
)
def test_financial_statements_due_thirty_days_after_each_month_end(on, period_end, due_on):
    assert INNOTRAC.next_due("financials", None, on=on) == Due("financials", "", period_end, due_on)


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
        D(2003, 3, 2),
        D(2003, 3, 30),
        D(2003, 4, 30),
        D(2003, 5, 30),
    ]


def test_another_weekday_is_followed():
    friday_due = DueRules(15, "friday", 30)

    assert friday_due.due_for("certificate", "weekly", D(2003, 4, 4)).due_on == D(2003, 4, 11)


def test_previous_friday_is_strictly_before():
    assert previous_friday(D(2003, 4, 5)) == D(2003, 4, 4)
    assert previous_friday(D(2003, 4, 4)) == D(2003, 3, 28)


def test_rules_refuse_what_cannot_be_scheduled():
    with pytest.raises(ValueError, match="day of the week"):
        DueRules(15, "someday", 30)
    with pytest.raises(ValueError, match="at least one day"):
        DueRules(0, "wednesday", 30)
    with pytest.raises(ValueError, match="frequency"):
        INNOTRAC.due_for("certificate", None, D(2003, 3, 31))
    with pytest.raises(ValueError, match="after its period"):
        Due("financials", "", D(2003, 3, 31), D(2003, 3, 31))
