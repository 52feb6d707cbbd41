"""`set_base_rate` (§10): the fees page's base rate as a command, through the same service."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abl.models import AuditEvent, BaseRate

pytestmark = pytest.mark.django_db


def _set(*args: str) -> str:
    out = StringIO()
    call_command("set_base_rate", *args, stdout=out)
    return out.getvalue()


def test_an_analyst_sets_the_rate_from_a_date(analyst):
    printed = _set("--rate=0.0425", "--from=2003-04-01", f"--user={analyst.username}")

    rate = BaseRate.objects.get()
    assert (rate.rate, rate.effective_date, rate.set_by) == (
        Decimal("0.0425"),
        dt.date(2003, 4, 1),
        analyst,
    )
    assert printed == "Base rate 4.25% from 2003-04-01\n"
    assert AuditEvent.objects.filter(action="fees.base_rate_set", actor=analyst).count() == 1


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("4.25%", "--rate: not a rate written as a decimal fraction: '4.25%'"),
        ("1e-2", "--rate: not a rate written as a decimal fraction: '1e-2'"),
        ("-0.01", "--rate: not a rate written as a decimal fraction: '-0.01'"),
        ("", "--rate: not a rate written as a decimal fraction: ''"),
        ("1.5", "--rate: A base rate is from 0% to less than 100%."),
        ("0.0000001", "--rate: A base rate has at most 4 decimal places of a percent."),
    ],
)
def test_a_bad_rate_names_the_argument_and_changes_nothing(analyst, rate, message):
    with pytest.raises(CommandError) as refused:
        _set(f"--rate={rate}", "--from=2003-04-01", f"--user={analyst.username}")

    assert str(refused.value) == message
    assert not BaseRate.objects.exists()


def test_a_borrower_may_not_set_it(borrower_user):
    with pytest.raises(CommandError):
        _set("--rate=0.0425", "--from=2003-04-01", f"--user={borrower_user.username}")
    assert not BaseRate.objects.exists()
