"""post_fees, fee_statement --json (§10) and field_exam: the services, refusals on stderr."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abl.models import AuditEvent, FeeCharge, FieldExam, LedgerEntry
from abl.models.fees import FeeStatementDocument
from abl.services import loans
from tests.abl.fees.conftest import APRIL_INTEREST

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _state() -> tuple[int, int, int, int]:
    return (
        FeeCharge.objects.count(),
        FieldExam.objects.count(),
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
    )


def test_post_fees_prints_what_it_posted_and_nothing_the_second_time(april):
    first = _run("post_fees", "--month", "2003-04")
    second = _run("post_fees", "--month", "2003-04")

    assert first.splitlines() == [
        "innotrac-2003 2003-04-01 setup 1,125.00 Online reporting set-up fee (once)",
        "innotrac-2003 2003-04-30 monitoring 1,555.00 Monthly monitoring fee 2003-04",
        "innotrac-2003 2003-04-30 interest 17,004.40 "
        + FeeCharge.objects.get(kind="interest").description,
    ]
    assert second == "Nothing to post for 2003-04: every charge is already posted.\n"
    assert FeeCharge.objects.count() == 3


def test_fee_statement_json_is_exactly_the_contract(april):
    _run("post_fees", "--month", "2003-04")

    data = json.loads(
        _run("fee_statement", "--facility", "innotrac-2003", "--month", "2003-04", "--json")
    )

    interest = FeeCharge.objects.get(kind="interest").description
    assert data == {
        "facility": "innotrac-2003",
        "month": "2003-04",
        "lines": [
            {
                "date": "2003-04-01",
                "kind": "setup",
                "description": "Online reporting set-up fee (once)",
                "amount": "1125.00",
            },
            {
                "date": "2003-04-30",
                "kind": "monitoring",
                "description": "Monthly monitoring fee 2003-04",
                "amount": "1555.00",
            },
            {
                "date": "2003-04-30",
                "kind": "interest",
                "description": interest,
                "amount": str(APRIL_INTEREST),
            },
        ],
        "total": "19684.40",
    }


def test_a_month_with_nothing_posted_has_an_empty_statement(innotrac):
    data = json.loads(
        _run("fee_statement", "--facility", "innotrac-2003", "--month", "2003-01", "--json")
    )

    assert data == {"facility": "innotrac-2003", "month": "2003-01", "lines": [], "total": "0.00"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("post_fees", "--month", "2003-13"), "--month: not a month: 2003-13"),
        (("post_fees", "--month", "April"), "--month: not a month (YYYY-MM): 'April'"),
        (
            ("post_fees", "--month", "2003-05"),
            "--month: 2003-05 has not ended: the business date is 2003-05-01.",
        ),
        (
            ("fee_statement", "--facility", "nobody", "--month", "2003-04", "--json"),
            "--facility: no facility 'nobody'",
        ),
    ],
)
def test_bad_input_is_refused_with_the_argument_named_and_nothing_changes(april, args, message):
    before = _state()

    with pytest.raises(CommandError) as refusal:
        _run(*args)

    assert str(refusal.value) == message
    assert _state() == before


def test_a_fourth_field_exam_without_a_reason_is_refused_by_the_command_then_held_with_one(
    innotrac, abl_analyst, settings
):
    settings.ABL_BUSINESS_DATE = "2003-12-31"
    for day in ("2003-03-10", "2003-06-10", "2003-09-10"):
        exam = _run(
            "field_exam", "--facility", "innotrac-2003", "--schedule", day, "--user", "analyst"
        )
        _run(
            "field_exam",
            "--exam",
            exam.strip(),
            "--done-on",
            day,
            "--fee",
            "2,700.00",
            "--user",
            "analyst",
        )
    before = _state()

    with pytest.raises(CommandError) as refusal:
        _run(
            "field_exam",
            "--facility",
            "innotrac-2003",
            "--schedule",
            "2003-11-03",
            "--user",
            "analyst",
        )

    assert str(refusal.value) == (
        "--reason: Field exam 4 of 2003 is beyond the 3 charged per calendar year: give the "
        "reason the bank holds it (risk, a breach)."
    )
    assert _state() == before

    held = _run(
        "field_exam",
        "--facility",
        "innotrac-2003",
        "--schedule",
        "2003-11-03",
        "--reason",
        "Covenant breach",
        "--user",
        "analyst",
    )
    _run("field_exam", "--exam", held.strip(), "--done-on", "2003-11-04", "--user", "analyst")
    exam = FieldExam.objects.get(pk=int(held))
    assert (exam.charge_number, exam.hold_reason) == (4, "Covenant breach")
    assert exam.not_charged.startswith("Not charged: field exam 4 of 2003")


def test_post_fees_prints_the_adjustment_of_a_month_a_repayment_was_valued_into(
    april, abl_analyst, settings
):
    _run("post_fees", "--month", "2003-04")
    settings.ABL_BUSINESS_DATE = "2003-05-10"
    loans.record_repayment(
        facility=april,
        actor=abl_analyst,
        amount=Decimal("1000000.00"),
        value_date=dt.date(2003, 4, 25),
    )

    again = _run("post_fees", "--month", "2003-04")

    adjustment = FeeCharge.objects.get(kind="interest_adjustment")
    assert again.splitlines() == [
        f"innotrac-2003 2003-04-30 interest_adjustment (708.33) {adjustment.description}"
    ]
    assert _run("post_fees", "--month", "2003-04").startswith("Nothing to post for 2003-04")


def test_fee_statement_writes_the_stored_pdf_and_its_sha256(april, tmp_path):
    _run("post_fees", "--month", "2003-04")
    target = tmp_path / "april.pdf"
    args = ("fee_statement", "--facility", "innotrac-2003", "--month", "2003-04")

    first = _run(*args, "--pdf", str(target))
    second = _run(*args, "--pdf", str(target))

    document = FeeStatementDocument.objects.get()
    assert first == second == f"{target}: SHA-256 {document.sha256}\n"
    assert target.read_bytes() == bytes(document.pdf)
