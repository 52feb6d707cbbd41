"""§7's approval authority and withdrawal: an advance above its approver's limit is approved by
two analysts (neither the requester, not the same twice) and booked on the last approval; the
borrower withdraws a request until it is decided. Each through the service and the command.

Innotrac's line cap is 546,125.00 (tests/abl/loans/conftest.py); the analyst here approves up
to 100,000.00 alone, the second analyst up to 1,000,000.00.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abl.models import AdvanceRequest, AuditEvent, LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AMOUNT = Decimal("300000.00")


@pytest.fixture
def limited(abl_analyst):
    abl_analyst.approval_limit = Decimal("100000.00")
    abl_analyst.save(update_fields=["approval_limit"])
    return abl_analyst


@pytest.fixture
def advance(innotrac, cfo, approved):
    return loans.request_advance(facility=innotrac, actor=cfo, amount=AMOUNT, key="big")


def _state() -> tuple[list[tuple[str, int | None]], int, int]:
    return (
        list(AdvanceRequest.objects.values_list("status", "first_approved_by")),
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
    )


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_an_advance_within_the_approvers_limit_is_booked_on_one_approval(advance, abl_analyst):
    loans.approve_advance(advance=advance, actor=abl_analyst)

    advance.refresh_from_db()
    assert (advance.status, advance.first_approved_by, advance.decided_by) == (
        "approved",
        None,
        abl_analyst,
    )
    assert LedgerEntry.objects.get().amount == AMOUNT


def test_an_advance_above_the_approvers_limit_waits_for_a_second_analyst(
    advance, limited, second_analyst
):
    loans.approve_advance(advance=advance, actor=limited, comment="Fine by me")

    advance.refresh_from_db()
    assert (advance.status, advance.first_approved_by, advance.first_comment) == (
        "requested",
        limited,
        "Fine by me",
    )
    assert LedgerEntry.objects.count() == 0
    first = AuditEvent.objects.get(action="advance.first_approved")
    assert first.summary == (
        "Advance of 300,000.00 valued 2003-04-07 approved by analyst, above the approval limit "
        "of 100,000.00: a second analyst's approval is awaited"
    )

    loans.approve_advance(advance=advance, actor=second_analyst)

    advance.refresh_from_db()
    assert (advance.status, advance.first_approved_by, advance.decided_by) == (
        "approved",
        limited,
        second_analyst,
    )
    assert LedgerEntry.objects.get().advance == advance


def test_the_second_approval_is_another_analysts(advance, limited):
    loans.approve_advance(advance=advance, actor=limited)
    before = _state()

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=limited)

    assert str(refused.value) == (
        f"analyst approved advance request {advance.pk} first: "
        "the second approval is another analyst's."
    )
    assert _state() == before


def test_the_database_refuses_one_analyst_as_both_approvers(advance, limited):
    from django.db import IntegrityError, transaction

    loans.approve_advance(advance=advance, actor=limited)

    with (
        pytest.raises(IntegrityError, match="advance_two_different_approvers"),
        transaction.atomic(),
    ):
        AdvanceRequest.objects.filter(pk=advance.pk).update(status="approved", decided_by=limited)


def test_the_second_approval_is_measured_when_it_is_made(
    innotrac, cfo, advance, limited, second_analyst
):
    loans.approve_advance(advance=advance, actor=limited)
    other = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("300000.00"), key="other"
    )
    loans.approve_advance(advance=other, actor=second_analyst)
    before = _state()

    with pytest.raises(LoanRefused) as refused:
        loans.approve_advance(advance=advance, actor=second_analyst)

    assert str(refused.value) == (
        "The advance of 300,000.00 would take excess availability below zero: "
        "246,125.00 available, (53,875.00) after."
    )
    assert _state() == before


def test_the_borrower_withdraws_a_request_awaiting_its_second_approval(
    advance, cfo, limited, second_analyst
):
    loans.approve_advance(advance=advance, actor=limited)

    loans.withdraw_advance(advance=advance, actor=cfo)

    advance.refresh_from_db()
    assert (advance.status, advance.withdrawn_by) == ("withdrawn", cfo)
    event = AuditEvent.objects.get(action="advance.withdrawn")
    assert (event.actor, event.summary) == (
        cfo,
        "Advance request of 300,000.00 valued 2003-04-07 withdrawn by the borrower",
    )
    before = _state()
    with pytest.raises(LoanRefused, match=f"Advance request {advance.pk} is already withdrawn."):
        loans.approve_advance(advance=advance, actor=second_analyst)
    assert _state() == before
    assert loans.live_availability(advance.facility).requests_pending == Decimal("0.00")


@pytest.mark.parametrize("who", ["analyst", "another borrower"])
def test_only_the_borrower_withdraws(advance, abl_analyst, who):
    actor = abl_analyst if who == "analyst" else UserFactory(role="borrower")
    before = _state()

    with pytest.raises(LoanRefused) as refused:
        loans.withdraw_advance(advance=advance, actor=actor)

    assert (
        str(refused.value) == "Only a user of Innotrac Corporation withdraws its advance requests."
    )
    assert _state() == before


def test_a_decided_request_is_not_withdrawn(advance, cfo, abl_analyst):
    loans.approve_advance(advance=advance, actor=abl_analyst)
    before = _state()

    with pytest.raises(LoanRefused, match=f"Advance request {advance.pk} is already approved."):
        loans.withdraw_advance(advance=advance, actor=cfo)

    assert _state() == before


def test_requests_in_flight_are_summed_in_live_availability(innotrac, cfo, advance, limited):
    loans.approve_advance(advance=advance, actor=limited)  # a first approval: still in flight
    loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("400000.00"), key="2")
    withdrawn = loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("9"), key="3")
    loans.withdraw_advance(advance=withdrawn, actor=cfo)

    live = loans.live_availability(innotrac)

    assert (live.requests_pending, live.excess_after_pending) == (
        Decimal("700000.00"),
        Decimal("-153875.00"),
    )


# The commands (§10).


def test_decide_advance_says_a_first_approval_above_the_limit_awaits_a_second(
    advance, limited, second_analyst
):
    first = _run("decide_advance", "--request", str(advance.pk), "--approve", "--user", "analyst")
    second = _run("decide_advance", "--request", str(advance.pk), "--approve", "--user", "analyst2")

    assert first == (
        f"Advance request {advance.pk} approved by analyst (above the approval limit of "
        "100,000.00): awaits a second analyst's approval: 300,000.00\n"
    )
    assert second == f"Advance request {advance.pk} approved: 300,000.00\n"
    assert LedgerEntry.objects.get().advance == advance


def test_decide_advance_refuses_the_same_analysts_second_approval(advance, limited):
    _run("decide_advance", "--request", str(advance.pk), "--approve", "--user", "analyst")
    before = _state()

    with pytest.raises(CommandError) as refused:
        _run("decide_advance", "--request", str(advance.pk), "--approve", "--user", "analyst")

    assert str(refused.value) == (
        f"analyst approved advance request {advance.pk} first: "
        "the second approval is another analyst's."
    )
    assert _state() == before


def test_withdraw_advance_withdraws_through_the_service(advance, cfo):
    out = _run("withdraw_advance", "--request", str(advance.pk), "--user", "dgamsey")

    assert out == f"Advance request {advance.pk} withdrawn: 300,000.00\n"
    assert AdvanceRequest.objects.get().status == "withdrawn"


def test_withdraw_advance_refuses_a_decided_request(advance, cfo, abl_analyst):
    loans.approve_advance(advance=advance, actor=abl_analyst)
    before = _state()

    with pytest.raises(CommandError) as refused:
        _run("withdraw_advance", "--request", str(advance.pk), "--user", "dgamsey")

    assert str(refused.value) == f"Advance request {advance.pk} is already approved."
    assert _state() == before
