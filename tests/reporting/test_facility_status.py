"""`manage.py facility_status --facility ID [--on DATE] --json` (§10), through the pages' service."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abl.services import loans
from covenants.services import statements
from tests.covenants.conftest import figures
from tests.reporting.conftest import TODAY, approve_certificate

pytestmark = pytest.mark.django_db


def _status(*args: str) -> dict:
    out = StringIO()
    call_command("facility_status", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_status_of_innotrac_after_an_advance_to_fourteen_ninety_nine(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)
        request = loans.request_advance(
            facility=innotrac, actor=cfo, amount=Decimal("464260.87"), key="k"
        )
        loans.approve_advance(advance=request, actor=abl_analyst)

    assert _status("--facility", "innotrac-2003") == {
        "facility": "innotrac-2003",
        "on": "2003-04-07",
        "borrowing_base": "546125.00",
        "reserves": "0.00",
        "line_cap": "546125.00",
        "outstanding": "464260.87",
        "excess_availability": "81864.13",
        "excess_availability_pct": "0.1499",
        "reporting_frequency": "weekly",
        "frequency_since": "2003-04-07",
        "next_certificate_due": "2003-04-09",
        "next_financials_due": "2003-04-30",
        "certificate_stale": False,
        "requests_pending": "0.00",
        "excess_availability_after_pending": "81864.13",
        "in_default": False,
    }


def test_status_nets_the_requests_awaiting_a_decision_and_says_whether_in_default(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    """§7: 400,000.00 and 300,000.00 asked against 546,125.00; one declined request does not
    count, and an approval is still measured alone."""
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)
        for key, amount in (("a", "400000.00"), ("b", "300000.00"), ("c", "50000.00")):
            loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal(amount), key=key)
        declined = innotrac.advance_requests.get(key="c")
        loans.decline_advance(advance=declined, actor=abl_analyst, comment="Not now.")
        loans.declare_event_of_default(
            facility=innotrac, on=TODAY, reason="Covenant breach", user=abl_analyst
        )

    status = _status("--facility", "innotrac-2003")

    assert (
        status["excess_availability"],
        status["requests_pending"],
        status["excess_availability_after_pending"],
        status["in_default"],
    ) == ("546125.00", "700000.00", "-153875.00", True)


def test_status_on_an_earlier_date_before_the_advance(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)

    status = _status("--facility", str(innotrac.pk), "--on", "2003-04-01")

    assert status["on"] == "2003-04-01"
    assert status["outstanding"] == "0.00"
    assert status["reporting_frequency"] == "monthly"  # what the figures imply: no switch yet
    assert status["frequency_since"] is None
    # On 1 April March's certificate was not in yet (it was submitted on the 7th).
    assert status["next_certificate_due"] == "2003-04-15"


def test_status_without_an_approved_certificate(innotrac):
    status = _status("--facility", "innotrac-2003")

    assert status["borrowing_base"] is None
    assert status["excess_availability_pct"] is None
    assert status["outstanding"] == "0.00"
    assert status["reporting_frequency"] is None
    assert status["next_certificate_due"] is None
    # Nothing is owed before the first approved certificate starts the calendar (§6).
    assert status["next_financials_due"] is None
    assert status["certificate_stale"] is True


def test_status_names_a_certificate_stale_after_its_period_and_due_days(
    innotrac, cfo, abl_analyst, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)

    assert (
        _status("--facility", "innotrac-2003", "--on", "2003-05-15")["certificate_stale"] is False
    )
    assert _status("--facility", "innotrac-2003", "--on", "2003-05-16")["certificate_stale"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--facility", "nobody"], "--facility: no facility 'nobody'"),
        (["--facility", "innotrac-2003", "--on", "2003-02-30"], "--on: "),
    ],
)
def test_bad_input_is_refused_naming_the_argument(innotrac, args, message):
    with pytest.raises(CommandError, match=message):
        _status(*args)


def test_business_date_is_the_default(innotrac):
    assert _status("--facility", "innotrac-2003")["on"] == TODAY.isoformat()


def test_a_date_past_the_calendars_end_is_refused_naming_the_argument(innotrac, cfo, abl_analyst):
    approve_certificate(innotrac, cfo, abl_analyst)

    with pytest.raises(CommandError) as refused:
        _status("--facility", "innotrac-2003", "--on", "9999-12-31")

    assert str(refused.value) == (
        "--on: 9999-12-31 is after 2999-12-31, the last date ABL Desk handles"
    )


def test_status_names_the_next_period_not_one_already_received(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)  # as of 2003-03-31, due 2003-04-15

    approved = _status("--facility", "innotrac-2003")
    statements.submit_statement(
        facility=innotrac,
        kind="actual",
        period_end=dt.date(2003, 3, 31),
        financials=figures(),
        user=cfo,
        officer_title="CFO",
    )
    march_statements_in = _status("--facility", "innotrac-2003")

    assert (approved["next_certificate_due"], approved["next_financials_due"]) == (
        "2003-05-15",  # April's: March's certificate is received
        "2003-04-30",
    )
    assert (
        march_statements_in["next_certificate_due"],
        march_statements_in["next_financials_due"],
    ) == ("2003-05-15", "2003-05-30")
