"""A delivery: signed per Standard Webhooks, retried on the schedule, sent once however often its
task runs, never to a private address unless allowed, and refused URLs named by their field."""

import datetime as dt
import json

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook

from abl.models import AuditEvent, WebhookDelivery
from abl.tasks import deliver_webhook_task, retry_webhooks_task
from abl.webhooks.services import (
    WebhookRefused,
    add_endpoint,
    deactivate_endpoint,
    retry_delivery,
    send_test_event,
)
from tests.abl.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


def _test_event(endpoint, actor, run) -> WebhookDelivery:
    with run(execute=True):
        delivery = send_test_event(endpoint=endpoint, actor=actor)
    delivery.refresh_from_db()
    return delivery


def test_signature_verifies_with_the_endpoints_secret(
    endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)

    (request,) = receiver.received
    verified = Webhook(endpoints.secrets["borrower"]).verify(request.body, request.headers)
    assert verified == delivery.event.payload
    assert verified["type"] == "webhook.test"
    assert request.headers["webhook-id"] == f"evt_{delivery.event_id}"
    assert request.headers["Content-Type"] == "application/json"


def test_another_secret_does_not_verify(
    endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)

    (request,) = receiver.received
    with pytest.raises(Exception, match="No matching signature found"):
        Webhook(endpoints.secrets["bank"]).verify(request.body, request.headers)


def test_a_500_then_a_200_is_retried_after_a_minute_and_delivered(
    endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 200]

    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("pending", 1, 500)
    assert delivery.last_error == "The receiver answered 500."
    assert delivery.next_attempt_at - delivery.last_attempt_at == dt.timedelta(minutes=1)

    assert retry_webhooks_task() == 0  # not due yet
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
        assert retry_webhooks_task() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "delivered",
        2,
        200,
    )
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""
    assert [r.headers["webhook-id"] for r in receiver.received] == [f"evt_{delivery.event_id}"] * 2


def test_a_delivered_delivery_is_not_sent_again_when_its_task_runs_twice(
    endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)

    assert deliver_webhook_task(delivery.pk) == "delivered"
    assert deliver_webhook_task(delivery.pk) == "delivered"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(receiver.received) == 1


def test_six_failures_fail_the_delivery_and_a_retry_by_hand_sends_it_once_more(
    endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [503] * 6
    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)
    waits = []
    while delivery.status == "pending":
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
            deliver_webhook_task(delivery.pk)
        delivery.refresh_from_db()

    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=6),
    ]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 6, None)
    assert len(receiver.received) == 6

    with django_capture_on_commit_callbacks(execute=True):
        retry_delivery(delivery=delivery, actor=cfo)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "delivered",
        7,
        200,
    )
    assert AuditEvent.objects.filter(action="webhook.delivery_retried").count() == 1


def test_only_a_failed_delivery_is_retried_by_hand(
    endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)

    with pytest.raises(
        WebhookRefused, match=r"Only a failed delivery is retried; this one is delivered\."
    ):
        retry_delivery(delivery=delivery, actor=cfo)


def test_a_redirect_is_not_followed(endpoints, cfo, receiver, django_capture_on_commit_callbacks):
    receiver.answers = [302]

    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)

    assert (delivery.status, delivery.last_response_code) == ("pending", 302)
    assert receiver.paths() == ["/borrower"]


def test_a_receiver_that_is_not_there_is_an_error_recorded(
    endpoints, cfo, django_capture_on_commit_callbacks
):
    with Receiver() as gone:
        url = gone.url("/gone")
    endpoints.borrower.url = url
    endpoints.borrower.save()

    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)

    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("pending", 1, None)
    assert delivery.last_error.startswith("ConnectionRefusedError")


def test_private_addresses_are_not_fetched_unless_allowed(
    endpoints, cfo, receiver, settings, django_capture_on_commit_callbacks
):
    settings.ABL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    delivery = _test_event(endpoints.borrower, cfo, django_capture_on_commit_callbacks)

    assert receiver.received == []
    assert delivery.last_error == "127.0.0.1 resolves to a private address, which is not fetched."
    assert (delivery.status, delivery.last_response_code) == ("pending", None)


def test_a_deactivated_endpoint_is_sent_nothing_more(
    endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = send_test_event(endpoint=endpoints.borrower, actor=cfo)
    deactivate_endpoint(endpoint=endpoints.borrower, actor=cfo)

    assert deliver_webhook_task(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "The endpoint was deactivated."
    assert receiver.received == []
    with pytest.raises(WebhookRefused, match="This endpoint is deactivated"):
        send_test_event(endpoint=endpoints.borrower, actor=cfo)


def test_adding_an_endpoint_is_audited_without_its_secret(endpoints):
    event = AuditEvent.objects.get(action="webhook.endpoint_added", object_id=endpoints.bank.pk)

    assert event.changes["url"] == endpoints.bank.url
    assert endpoints.secrets["bank"] not in json.dumps(event.changes) + event.summary
    assert endpoints.secrets["bank"].startswith("whsec_")


@pytest.mark.parametrize(
    ("url", "debug", "message"),
    [
        ("ftp://hooks.example.com/abl", True, "Enter an http:// or https:// URL."),
        ("hooks.example.com", True, "Enter an http:// or https:// URL."),
        (
            "http://hooks.example.com/abl",
            False,
            "Enter an https:// URL: the events are sent only over HTTPS.",
        ),
        ("https://10.0.0.7/abl", False, "Enter a public address: 10.0.0.7 is a private one."),
        ("https://localhost/abl", False, "Enter a public address: localhost is not sent events."),
    ],
)
def test_bad_urls_are_refused_naming_the_field(cfo, settings, url, debug, message):
    settings.DEBUG = debug
    settings.ABL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(WebhookRefused) as refused:
        add_endpoint(
            organisation=cfo.organisation, url=url, event_types=["advance.requested"], actor=cfo
        )

    assert (str(refused.value), refused.value.field) == (message, "url")


def test_an_https_url_is_accepted_outside_debug(cfo, settings):
    settings.DEBUG = False

    endpoint, secret = add_endpoint(
        organisation=cfo.organisation,
        url="https://hooks.example.com/abl",
        event_types=["advance.requested"],
        actor=cfo,
    )

    assert (endpoint.url, endpoint.secret, endpoint.active) == (
        "https://hooks.example.com/abl",
        secret,
        True,
    )


def test_unknown_events_are_refused_naming_the_field(cfo):
    with pytest.raises(WebhookRefused) as refused:
        add_endpoint(
            organisation=cfo.organisation,
            url="https://hooks.example.com/abl",
            event_types=["advance.requested", "nonsense"],
            actor=cfo,
        )

    assert (str(refused.value), refused.value.field) == ("No such event: nonsense.", "event_types")


def test_nobody_adds_an_endpoint_for_another_organisation(cfo, endpoints):
    with pytest.raises(WebhookRefused, match="people add its webhook endpoints"):
        add_endpoint(
            organisation=endpoints.other_user.organisation,
            url="https://hooks.example.com/abl",
            event_types=["advance.requested"],
            actor=cfo,
        )
