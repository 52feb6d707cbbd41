"""The dates ABL Desk handles: 1900-01-01 to 2999-12-31.

Periods are stepped from a date (its month end, the next quarter ends, a due
date days later, the next eight quarters of a schedule) with Python's dates,
which end at 9999-12-31 and begin at 0001-01-01: a period typed as 9999-12-31
would step past the end and fail. A date given for a period (a form's, a file's
row, a command's argument) is held to this range before anything steps from it.

>>> date_problem(dt.date(9999, 12, 31))
'9999-12-31 is after 2999-12-31, the last date ABL Desk handles'
>>> date_problem(dt.date(1, 1, 1))
'0001-01-01 is before 1900-01-01, the first date ABL Desk handles'
>>> date_problem(dt.date(2003, 3, 31)) is None
True
"""

import datetime as dt

FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2999, 12, 31)


def date_problem(value: dt.date) -> str | None:
    """Why the date is outside the range ABL Desk handles, or None."""
    if value > LAST_DATE:
        return f"{value} is after {LAST_DATE}, the last date ABL Desk handles"
    if value < FIRST_DATE:
        return f"{value} is before {FIRST_DATE}, the first date ABL Desk handles"
    return None
