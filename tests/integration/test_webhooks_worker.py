"""Webhooks end to end: an action commits, the outbox hands the delivery to Redis, a real Celery
worker POSTs it, signed, to a real HTTP receiver; the task sent again sends nothing more."""

import datetime as dt
import time
import uuid
from decimal import Decimal

import pytest
from standardwebhooks.webhooks import Webhook

from abl.models import AuditEvent, WebhookDelivery
from abl.services import loans
from abl.tasks import deliver_webhook_task, ping_worker
from abl.webhooks.services import add_endpoint
from tests.abl.webhooks.receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _wait_for(condition, *, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


def test_an_advance_requested_reaches_the_receiver_through_a_real_worker_once(
    celery_worker_on_redis, settings, innotrac, cfo
):
    settings.DEBUG = True  # the receiver speaks plain http
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    with Receiver() as receiver:
        endpoint, secret = add_endpoint(
            organisation=cfo.organisation,
            url=receiver.url("/innotrac"),
            event_types=["advance.requested"],
            actor=cfo,
        )

        advance = loans.request_advance(
            facility=innotrac,
            actor=cfo,
            amount=Decimal("1000.00"),
            value_date=dt.date(2003, 4, 7),
            key="worker",
        )
        _wait_for(lambda: len(receiver.received) == 1)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        _wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered")

        # Sent twice more (the relay may hand a message over twice): nothing more is POSTed.
        deliver_webhook_task.delay(delivery.pk)
        deliver_webhook_task.delay(delivery.pk)
        # The solo worker takes its tasks in the order sent: once the ping is written, both ran.
        # (Sent without a result: waiting on one would subscribe to the result store.)
        token = uuid.uuid4().hex
        ping_worker.apply_async((None, token), ignore_result=True)
        _wait_for(lambda: AuditEvent.objects.filter(object_id=token).exists())

        (request,) = receiver.received
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "advance.requested"
    assert body["data"]["advance"] == advance.pk
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "delivered",
        1,
        200,
    )
