"""Who hears of a certificate's submission, approval and return, and only once."""

import pytest
from django.core import mail

from abl.models import Certificate, Notification
from abl.services import certificates, notifications
from tests.abl.conftest import AGING, post_report
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables=AGING)
    mail.outbox.clear()
    return Certificate.objects.get()


def _submit(draft, cfo, capture):
    with capture(execute=True):
        return certificates.submit_certificate(
            certificate=draft, actor=cfo, name="David Gamsey", title="Chief Financial Officer"
        )


def test_submission_emails_the_banks_analysts_only(
    draft, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    UserFactory(role="analyst", organisation=innotrac.lender, email="", username="no-mail")
    UserFactory(role="analyst", organisation=innotrac.lender, is_active=False)
    UserFactory(role="analyst", organisation=OrganisationFactory(name="Other Bank", kind="bank"))

    _submit(draft, cfo, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [abl_analyst.email]
    assert sent.subject == (
        "Innotrac Corporation revolving facility: borrowing base certificate as of "
        "2003-03-31 submitted for review"
    )
    assert "David Gamsey, Chief Financial Officer, certified and submitted" in sent.body
    assert f"/certificates/{draft.pk}/" in sent.body


def test_approval_emails_the_borrowers_users(
    draft, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    submitted = _submit(draft, cfo, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        certificates.approve_certificate(
            certificate=submitted, actor=abl_analyst, comment="Thank you"
        )

    assert [m.to for m in mail.outbox] == [[cfo.email]]
    assert "Borrowing base as approved: 546,125.00" in mail.outbox[0].body
    assert "The analyst's comment: Thank you" in mail.outbox[0].body


def test_return_emails_the_borrowers_users_with_the_comment(
    draft, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    submitted = _submit(draft, cfo, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        certificates.return_certificate(
            certificate=submitted, actor=abl_analyst, comment="The aging total is off by 5,000."
        )

    assert [m.to for m in mail.outbox] == [[cfo.email]]
    assert mail.outbox[0].subject.endswith("returned to you")
    assert "What to change: The aging total is off by 5,000." in mail.outbox[0].body


def test_nothing_is_sent_before_the_transaction_commits(
    draft, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        certificates.submit_certificate(
            certificate=draft, actor=cfo, name="David Gamsey", title="CFO"
        )

    assert mail.outbox == []
    for callback in queued:  # the transaction commits
        callback()
    assert len(mail.outbox) == 1


def test_the_task_run_twice_emails_once(
    draft, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    _submit(draft, cfo, django_capture_on_commit_callbacks)

    again = notifications.send_certificate_notification(
        certificate_id=draft.pk, event=Notification.Event.SUBMITTED
    )

    assert again is None
    assert len(mail.outbox) == 1
    assert Notification.objects.get().recipients == [abl_analyst.email]
