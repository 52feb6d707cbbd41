import datetime as dt

import pytest

from reporting.calc.reminders import reminder_dates, reminder_due

DUE = dt.date(2003, 4, 9)  # a weekly certificate, Wednesday


@pytest.mark.parametrize(
    ("on", "kind"),
    [
        (dt.date(2003, 4, 5), None),
        (dt.date(2003, 4, 6), "before"),
        (dt.date(2003, 4, 8), "before"),
        (dt.date(2003, 4, 9), "on"),
        (dt.date(2003, 4, 10), "after"),
        (dt.date(2003, 5, 10), "after"),
    ],
)
def test_the_reminder_of_the_day_is_the_latest_whose_day_has_come(on, kind):
    assert reminder_due(DUE, on=on, days_before=3, days_after=1) == kind


def test_reminder_dates_before_on_and_after():
    assert reminder_dates(DUE, days_before=3, days_after=1) == {
        "before": dt.date(2003, 4, 6),
        "on": DUE,
        "after": dt.date(2003, 4, 10),
    }


def test_reminders_need_a_day_before_and_after():
    with pytest.raises(ValueError, match="at least one day"):
        reminder_dates(DUE, days_before=0, days_after=1)
