"""Each event is published by the service action it tells of, once, after the action commits,
to the endpoints of the facility's bank and borrower and nobody else's."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from abl.models import WebhookDelivery, WebhookEvent
from abl.services import certificates, loans
from abl.webhooks.services import publish
from tests.abl.loans.conftest import approve_certificate, submit_certificate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BOTH = ["/bank", "/borrower"]


def _told(receiver) -> list[tuple[str, str]]:
    """(path, event type) of every request, in the order sent."""
    return [(r.path, json.loads(r.body)["type"]) for r in receiver.received]


def _both(event_type: str) -> list[tuple[str, str]]:
    return [(path, event_type) for path in BOTH]


def test_certificate_submitted_and_approved_are_told_to_its_bank_and_borrower(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit_certificate(innotrac, cfo)
    assert _told(receiver) == _both("certificate.submitted")

    with django_capture_on_commit_callbacks(execute=True):
        certificates.approve_certificate(certificate=submitted, actor=abl_analyst)

    assert _told(receiver)[2:] == _both("certificate.approved")
    approved = json.loads(receiver.received[-1].body)
    assert approved["facility"] == innotrac.pk
    assert approved["data"] == {
        "certificate": submitted.pk,
        "as_of": "2003-03-31",
        "borrowing_base": "546125.00",
    }


def test_certificate_returned_is_told_once(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    submitted = submit_certificate(innotrac, cfo)
    receiver.received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        certificates.return_certificate(
            certificate=submitted, actor=abl_analyst, comment="The aging does not foot."
        )

    assert _told(receiver) == _both("certificate.returned")
    assert json.loads(receiver.received[0].body)["data"]["comment"] == "The aging does not foot."


def test_advance_requested_approved_and_declined(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    approve_certificate(innotrac, cfo, abl_analyst)
    receiver.received.clear()
    ask = {"facility": innotrac, "actor": cfo, "amount": Decimal("1000.00")}

    with django_capture_on_commit_callbacks(execute=True):
        first = loans.request_advance(**ask, key="a")
        again = loans.request_advance(**ask, key="a")  # the same request: told once
    with django_capture_on_commit_callbacks(execute=True):
        loans.approve_advance(advance=first, actor=abl_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        second = loans.request_advance(**ask, key="b")
        loans.decline_advance(advance=second, actor=abl_analyst, comment="Not today")

    assert again == first
    assert _told(receiver) == [
        *_both("advance.requested"),
        *_both("advance.decided"),
        *_both("advance.requested"),
        *_both("advance.decided"),
    ]
    decisions = [
        json.loads(r.body)["data"] for r in receiver.received[2:3] + receiver.received[6:7]
    ]
    assert [(d["advance"], d["decision"], d["amount"]) for d in decisions] == [
        (first.pk, "approved", "1000.00"),
        (second.pk, "declined", "1000.00"),
    ]


def test_a_first_approval_of_two_decides_nothing(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    approve_certificate(innotrac, cfo, abl_analyst)
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("30000.00"), key="big"
    )
    abl_analyst.approval_limit = Decimal("20000.00")
    receiver.received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        loans.approve_advance(advance=advance, actor=abl_analyst)

    assert _told(receiver) == []


def test_default_declared_then_cured(
    innotrac, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    second = UserFactory(role="analyst", organisation=innotrac.lender)
    with django_capture_on_commit_callbacks(execute=True):
        event = loans.declare_event_of_default(
            facility=innotrac, on=dt.date(2003, 4, 7), reason="Covenant breach", user=abl_analyst
        )
    with django_capture_on_commit_callbacks(execute=True):
        loans.propose_default_end(
            facility=innotrac, ending="cure", reason="Equity injected", user=abl_analyst
        )
    assert _told(receiver) == _both("default.declared")  # a proposal ends nothing

    with django_capture_on_commit_callbacks(execute=True):
        loans.confirm_default_end(event=event, user=second)

    assert _told(receiver)[2:] == _both("default.ended")
    assert json.loads(receiver.received[-1].body)["data"] == {
        "event": event.pk,
        "ending": "cure",
        "declared_on": "2003-04-07",
        "ended_on": "2003-04-07",
    }


def test_default_waived_is_told_as_ended(
    innotrac, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    second = UserFactory(role="analyst", organisation=innotrac.lender)
    event = loans.declare_event_of_default(
        facility=innotrac, on=dt.date(2003, 4, 7), reason="Covenant breach", user=abl_analyst
    )
    loans.propose_default_end(
        facility=innotrac,
        ending="waiver",
        reason="Waived",
        document=SimpleUploadedFile("waiver.pdf", b"%PDF-1.4 signed"),
        user=abl_analyst,
    )
    receiver.received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        loans.confirm_default_end(event=event, user=second)

    assert _told(receiver) == _both("default.ended")
    assert json.loads(receiver.received[0].body)["data"]["ending"] == "waiver"


def test_frequency_switch_is_told_and_the_first_setting_is_not(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    with run(execute=True):
        loans.record_opening_balance(
            facility=innotrac,
            actor=abl_analyst,
            amount=Decimal("436900.00"),  # 20% excess availability: monthly
            value_date=dt.date(2003, 3, 31),
        )
        approve_certificate(innotrac, cfo, abl_analyst)
    assert "frequency.switched" not in [t for _, t in _told(receiver)]
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("27360.87"), key="down"
    )
    receiver.received.clear()

    with run(execute=True):
        loans.approve_advance(advance=advance, actor=abl_analyst)  # 14.99%: weekly

    switched = [json.loads(r.body) for r in receiver.received if "frequency" in r.body]
    assert [s["type"] for s in switched] == ["frequency.switched"] * 2
    assert switched[0]["data"] == {
        "from": "monthly",
        "to": "weekly",
        "on": "2003-04-07",
        "excess_availability": "81864.13",
        "excess_availability_pct": "0.14989999",
        "next_certificate_due": "2003-04-09",
    }


def test_nothing_is_published_or_sent_when_the_action_rolls_back(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    approve_certificate(innotrac, cfo, abl_analyst)
    receiver.received.clear()
    before = WebhookEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("5.00"), key="x")
        transaction.set_rollback(True)

    assert WebhookEvent.objects.count() == before
    assert receiver.received == []


def test_nothing_is_sent_before_the_action_commits(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    approve_certificate(innotrac, cfo, abl_analyst)
    receiver.received.clear()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("5.00"), key="y")
    assert receiver.received == []
    for callback in queued:
        callback()

    assert _told(receiver) == _both("advance.requested")


def test_another_borrowers_endpoint_receives_nothing_of_this_facility(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)

    assert "/other" not in receiver.paths()
    assert not WebhookDelivery.objects.filter(endpoint=endpoints.other_borrower).exists()


def test_another_borrowers_endpoint_receives_its_own_facilitys_events(
    endpoints, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(
            "breach.opened", facility=endpoints.other_facility, data={"case": 1, "covenant": "x"}
        )

    assert sorted(receiver.paths()) == ["/bank", "/other"]


def test_an_endpoint_gets_only_the_events_it_subscribes_to(
    innotrac, cfo, abl_analyst, endpoints, receiver, django_capture_on_commit_callbacks
):
    endpoints.borrower.event_types = ["certificate.approved"]
    endpoints.borrower.save()

    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)

    assert _told(receiver) == [
        ("/bank", "certificate.submitted"),
        ("/bank", "certificate.approved"),
        ("/borrower", "certificate.approved"),
    ]
