"""The §10 commands of the loan: the same services as the pages, refusals on stderr, nothing changed."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abl.models import AdvanceRequest, AuditEvent, Certificate, LedgerEntry
from abl.services import loans
from tests.abl.loans.conftest import LINE_CAP, TODAY, submit_certificate

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _state() -> tuple[int, int, int]:
    return (
        AdvanceRequest.objects.count(),
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
    )


def test_request_advance_prints_the_id_and_the_same_key_again_makes_nothing_new(innotrac, cfo):
    args = ("request_advance", "--facility", "innotrac-2003", "--amount", "$1,000.00")
    args += ("--value-date", "2003-04-08", "--key", "retry-1", "--user", "dgamsey")

    first = _run(*args)
    again = _run(*args)

    advance = AdvanceRequest.objects.get()
    assert first == again == f"{advance.pk}\n"
    assert (advance.amount, advance.value_date.isoformat()) == (Decimal("1000.00"), "2003-04-08")


def test_decide_advance_approves_through_the_service(innotrac, cfo, abl_analyst, approved):
    advance = loans.request_advance(facility=innotrac, actor=cfo, amount=LINE_CAP, key="k")

    out = _run("decide_advance", "--request", str(advance.pk), "--approve", "--user", "analyst")

    assert out == f"Advance request {advance.pk} approved: 546,125.00\n"
    assert LedgerEntry.objects.get().advance == advance


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--approve", "--user", "dgamsey"),
            "Only an ABL analyst can approve or decline an advance.",
        ),
        (
            ("--decline", "--user", "analyst"),
            "--comment: say why: a comment is required to decline",
        ),
        (("--approve", "--user", "nobody"), "--user: no active user named 'nobody'"),
    ],
)
def test_decide_advance_refusals_change_nothing(
    innotrac, cfo, abl_analyst, approved, args, message
):
    advance = loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("1.00"), key="k")
    before = _state()

    with pytest.raises(CommandError) as refused:
        _run("decide_advance", "--request", str(advance.pk), *args)

    assert str(refused.value) == message
    assert _state() == before


def test_decide_advance_over_availability_is_refused(innotrac, cfo, abl_analyst, approved):
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=LINE_CAP + Decimal("0.01"), key="k"
    )
    before = _state()

    with pytest.raises(CommandError) as refused:
        _run("decide_advance", "--request", str(advance.pk), "--approve", "--user", "analyst")

    assert str(refused.value) == (
        "The advance of 546,125.01 would take excess availability below zero: "
        "546,125.00 available, (0.01) after."
    )
    assert _state() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--amount", "0"), "--amount: must be more than zero: '0'"),
        (("--amount", "1.001"), "--amount: more than 2 decimal places: '1.001'"),
        (
            ("--value-date", "2003-02-30"),
            "--value-date: not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-02-30'",
        ),
        (("--facility", "nope"), "--facility: no facility 'nope' that analyst may see"),
        (
            ("--value-date", "2003-04-08"),
            "--value-date: The value date 2003-04-08 is after today's business date 2003-04-07.",
        ),
        (
            ("--amount", "10000.01"),
            "--amount: The amount 10,000.01 would take the balance below zero (to (0.01)); "
            "the outstanding on 2003-04-07 is 10,000.00.",
        ),
    ],
)
def test_record_repayment_refusals_change_nothing(innotrac, abl_analyst, args, message):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("10000.00"), value_date=TODAY
    )
    options = {"--facility": "innotrac-2003", "--amount": "100", "--value-date": "2003-04-07"}
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    before = _state()

    with pytest.raises(CommandError) as refused:
        _run(
            "record_repayment", *[x for pair in options.items() for x in pair], "--user", "analyst"
        )

    assert str(refused.value) == message
    assert _state() == before


def test_record_repayment_books_it(innotrac, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("10000.00"), value_date=TODAY
    )

    out = _run(
        *("record_repayment", "--facility", "innotrac-2003", "--amount", "2500"),
        *("--value-date", "2003-04-07", "--collection", "--user", "analyst"),
    )

    entry = LedgerEntry.objects.get(kind="collection")
    assert out == f"Collection {entry.pk} recorded: outstanding 7,500.00\n"


def test_review_certificate_approves_and_returns(innotrac, cfo, abl_analyst, approved):
    approved.refresh_from_db()
    # The fixture's certificate is approved already: reviewing again is refused, as on the page.
    with pytest.raises(CommandError) as refused:
        _run(
            "review_certificate",
            "--certificate",
            str(approved.pk),
            "--approve",
            "--user",
            "analyst",
        )

    assert str(refused.value) == (
        "Only a submitted certificate can be reviewed; this one is Approved."
    )
    assert Certificate.objects.get().status == "approved"


def test_review_certificate_return_needs_a_comment(innotrac, cfo, abl_analyst, approved):
    with pytest.raises(CommandError) as refused:
        _run(
            "review_certificate", "--certificate", str(approved.pk), "--return", "--user", "analyst"
        )

    assert str(refused.value) == "--comment: say what the borrower must change"


def test_review_certificate_approves_a_submitted_certificate(innotrac, cfo, abl_analyst):
    submitted = submit_certificate(innotrac, cfo)

    out = _run(
        "review_certificate", "--certificate", str(submitted.pk), "--approve", "--user", "analyst"
    )

    assert out == f"Certificate {submitted.pk} approved\n"
    assert AuditEvent.objects.filter(action="certificate.approved").count() == 1


def test_review_certificate_returns_with_the_comment(innotrac, cfo, abl_analyst):
    submitted = submit_certificate(innotrac, cfo)

    _run(
        *("review_certificate", "--certificate", str(submitted.pk), "--return"),
        *("--comment", "The aging does not foot", "--user", "analyst"),
    )

    submitted.refresh_from_db()
    assert (submitted.status, submitted.review_comment) == ("returned", "The aging does not foot")


def test_a_refused_command_exits_non_zero_with_the_reason_on_stderr(innotrac, cfo):
    import subprocess
    import sys

    from tests.abl.conftest import ROOT

    result = subprocess.run(
        [
            *(sys.executable, "manage.py", "request_advance", "--facility", "innotrac-2003"),
            *("--amount", "-5", "--user", "dgamsey"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1"},
    )

    assert result.returncode == 1
    assert result.stderr == "CommandError: --amount: must be more than zero: '-5'\n"
