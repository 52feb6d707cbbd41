"""§7, "told at once": a request and a withdrawal e-mail the analysts; each approval and a
decline the borrower (a first approval above a limit also the other analysts); once each."""

from decimal import Decimal

import pytest
from django.core import mail

from abl.models import AdvanceNotice
from abl.services import advance_notices, loans
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(innotrac, cfo, abl_analyst, second_analyst, approved, settings):
    settings.SITE_URL = "https://abl.example.com"
    UserFactory(role="analyst", organisation=innotrac.lender, email="", username="no-mail")
    UserFactory(role="analyst", organisation=OrganisationFactory(name="Other Bank", kind="bank"))
    abl_analyst.approval_limit = Decimal("100000.00")
    abl_analyst.save(update_fields=["approval_limit"])
    mail.outbox.clear()
    return innotrac


def _request(facility, cfo, capture, amount="1234567.89"):
    with capture(execute=True):
        return loans.request_advance(
            facility=facility, actor=cfo, amount=Decimal(amount), key=amount, purpose="Payroll"
        )


def test_a_request_emails_the_banks_analysts_with_the_amount_and_a_link(
    bank, cfo, django_capture_on_commit_callbacks
):
    advance = _request(bank, cfo, django_capture_on_commit_callbacks, amount="300000.00")

    [sent] = mail.outbox
    assert sorted(sent.to) == ["analyst2@example.com", "analyst@example.com"]
    assert sent.subject == (
        f"Innotrac Corporation revolving facility: advance of 300,000.00 requested "
        f"(number {advance.pk})"
    )
    assert "asked for an advance of 300,000.00 on Innotrac Corporation revolving facility, " in (
        sent.body
    )
    assert f"Decide it: https://abl.example.com/advances/{advance.pk}/" in sent.body


def test_a_first_approval_tells_the_borrower_and_the_other_analysts_and_the_last_the_borrower(
    bank, cfo, abl_analyst, second_analyst, django_capture_on_commit_callbacks
):
    advance = _request(bank, cfo, django_capture_on_commit_callbacks, amount="300000.00")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        loans.approve_advance(advance=advance, actor=abl_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        loans.approve_advance(advance=advance, actor=second_analyst)

    first, last = mail.outbox
    assert sorted(first.to) == ["analyst2@example.com", "dgamsey@example.com"]
    assert "awaiting a second analyst's approval" in first.subject
    assert last.to == ["dgamsey@example.com"]
    assert last.subject == (
        f"Innotrac Corporation revolving facility: advance of 300,000.00 approved "
        f"(number {advance.pk})"
    )
    assert "See the loan: https://abl.example.com/facilities/" in last.body


def test_a_decline_emails_the_borrower_with_the_reason(
    bank, cfo, second_analyst, django_capture_on_commit_callbacks
):
    advance = _request(bank, cfo, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        loans.decline_advance(advance=advance, actor=second_analyst, comment="Too much.")

    [sent] = mail.outbox
    assert sent.to == ["dgamsey@example.com"]
    assert "advance of 1,234,567.89 declined" in sent.subject
    assert "The analyst's reason: Too much." in sent.body


def test_a_withdrawal_emails_the_analysts(bank, cfo, django_capture_on_commit_callbacks):
    advance = _request(bank, cfo, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        loans.withdraw_advance(advance=advance, actor=cfo)

    [sent] = mail.outbox
    assert sorted(sent.to) == ["analyst2@example.com", "analyst@example.com"]
    assert "advance request of 1,234,567.89 withdrawn" in sent.subject


def test_a_notice_sent_twice_is_emailed_once(bank, cfo, django_capture_on_commit_callbacks):
    advance = _request(bank, cfo, django_capture_on_commit_callbacks)

    again = advance_notices.send_advance_notice(advance_id=advance.pk, event="requested")

    assert again is None
    assert len(mail.outbox) == 1
    assert AdvanceNotice.objects.get().event == "requested"
