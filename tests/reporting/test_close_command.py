"""`close_business_day` (§10): the nightly close as a command, the same service beat runs."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reporting.models import DailyClose

pytestmark = pytest.mark.django_db


def _close(*args: str) -> str:
    out = StringIO()
    call_command("close_business_day", *args, stdout=out)
    return out.getvalue()


def test_closes_the_business_date_once(settings, facility):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    first = _close()
    second = _close()

    assert re.fullmatch(
        r"Closed 2003-04-07: \d+ facilities measured, \d+ frequency switches, \d+ reminders\n",
        first,
    )
    assert second == first
    assert list(DailyClose.objects.values_list("business_date", flat=True)) == [dt.date(2003, 4, 7)]


def test_closes_a_given_date(settings, facility):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    printed = _close("--date=2003-04-06")

    assert printed.startswith("Closed 2003-04-06: ")
    assert DailyClose.objects.get().business_date == dt.date(2003, 4, 6)


def test_a_bad_date_names_the_argument(facility):
    with pytest.raises(CommandError, match=r"^--date: "):
        _close("--date=2003-02-30")
    assert not DailyClose.objects.exists()
