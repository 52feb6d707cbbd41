"""Webhooks' workflows: publishing an event, keeping endpoints, delivering (docs/webhooks.md).

`publish` is called by the service whose action it tells of, inside that action's
transaction: the event, its deliveries and their tasks (abl.outbox) exist exactly when the
action committed. A delivery is attempted by `deliver`, under a claim on its row, so a task
run twice (the outbox delivers at least once) sends once.
"""

import datetime as dt
import json
import secrets
from base64 import b64encode
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from abl.access import organisations_party_to
from abl.audit import record
from abl.models import (
    Facility,
    Organisation,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from abl.outbox import enqueue
from abl.services.errors import Refused
from abl.webhooks import sending
from abl.webhooks.calc import events
from abl.webhooks.calc.retries import retry_after, succeeded
from abl.webhooks.calc.urls import private_address, url_problem

Status = WebhookDelivery.Status


class WebhookRefused(Refused):
    """An endpoint action refused; nothing was changed."""


def publish(event_type: str, *, facility: Facility, data: dict[str, Any]) -> WebhookEvent:
    """Record the event and a delivery to every active endpoint subscribed to it whose
    organisation may see the facility; each is sent once the caller's transaction commits.

    Called inside the action's transaction, after its facility's row is locked.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() belongs inside the transaction of the action it tells of")
    if event_type not in events.EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    event = _event(event_type, facility_id=facility.pk, data=data)
    candidates = WebhookEndpoint.objects.filter(
        active=True, organisation_id__in=organisations_party_to(facility.pk)
    ).order_by("pk")
    endpoints = [endpoint for endpoint in candidates if endpoint.subscribes_to(event_type)]
    _queue(event, endpoints)
    return event


def _event(event_type: str, *, facility_id: int | None, data: dict[str, Any]) -> WebhookEvent:
    event = WebhookEvent.objects.create(type=event_type, facility_id=facility_id)
    event.payload = events.payload(
        event_id=event.pk,
        event_type=event_type,
        facility_id=facility_id,
        created_at=event.created_at,
        data=data,
    )
    event.save(update_fields=["payload"])
    return event


def _queue(event: WebhookEvent, endpoints: list[WebhookEndpoint]) -> None:
    from abl.tasks import deliver_webhook_task

    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=event.created_at)
        for endpoint in endpoints
    )
    for delivery in deliveries:
        # robust: in eager mode a receiver's failure never fails the action that committed.
        enqueue(deliver_webhook_task, delivery.pk, robust=True)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + b64encode(secrets.token_bytes(24)).decode()


def endpoint_url_problem(url: str) -> str | None:
    """Why this URL may not be an endpoint's, or None: http(s) only, https outside DEBUG, and
    no private address written out (a name's addresses are checked at each delivery)."""
    if problem := url_problem(url, https_only=not settings.DEBUG):
        return problem
    host = urlsplit(url.strip()).hostname or ""
    if settings.ABL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return "Enter a public address: localhost is not sent events."
    try:
        private = private_address(host)
    except ValueError:  # a name, not an address
        return None
    return f"Enter a public address: {host} is a private one." if private else None


@transaction.atomic
def add_endpoint(
    *,
    organisation: Organisation,
    url: str,
    event_types: list[str],
    actor: User,
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the organisation, and its secret (shown once, to the one who added it)."""
    if actor.organisation_id != organisation.pk:
        raise WebhookRefused(f"Only {organisation}'s people add its webhook endpoints.")
    if problem := endpoint_url_problem(url):
        raise WebhookRefused(problem, field="url")
    unknown = sorted(set(event_types) - events.EVENT_TYPES.keys())
    if unknown:
        raise WebhookRefused(f"No such event: {', '.join(unknown)}.", field="event_types")
    if not event_types:
        raise WebhookRefused("Choose at least one event to be sent.", field="event_types")
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url.strip(),
        secret=secret,
        event_types=sorted(set(event_types)),
        description=description.strip()[:200],
        created_by=actor,
    )
    record(
        actor=actor,
        action="webhook.endpoint_added",
        obj=endpoint,
        summary=f"Webhook endpoint {endpoint.url} added for {organisation}: "
        f"{', '.join(endpoint.event_types)}",
        changes={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    return endpoint, secret


@transaction.atomic
def deactivate_endpoint(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """The endpoint is sent nothing more; deliveries still pending are given up."""
    # FOR NO KEY UPDATE: a publish inserting a delivery (a key share on this row) never waits.
    endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    if actor.organisation_id != endpoint.organisation_id:
        raise WebhookRefused("Only the endpoint's organisation deactivates it.")
    if not endpoint.active:
        return endpoint
    endpoint.active = False
    endpoint.deactivated_at = timezone.now()
    endpoint.save(update_fields=["active", "deactivated_at"])
    record(
        actor=actor,
        action="webhook.endpoint_deactivated",
        obj=endpoint,
        summary=f"Webhook endpoint {endpoint.url} deactivated",
    )
    return endpoint


@transaction.atomic
def send_test_event(*, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint alone, about no facility."""
    endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).get(pk=endpoint.pk)
    if actor.organisation_id != endpoint.organisation_id:
        raise WebhookRefused("Only the endpoint's organisation sends it a test event.")
    if not endpoint.active:
        raise WebhookRefused("This endpoint is deactivated: it is sent nothing.")
    event = _event(events.TEST, facility_id=None, data={"sent_by": actor.get_username()})
    _queue(event, [endpoint])
    record(
        actor=actor,
        action="webhook.test_sent",
        obj=endpoint,
        summary=f"Test event {event.pk} sent to webhook endpoint {endpoint.url}",
        changes={"event": event.pk},
    )
    return WebhookDelivery.objects.get(event=event, endpoint=endpoint)


@transaction.atomic
def retry_delivery(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Try a failed delivery once more, now (its attempts go on counting)."""
    from abl.tasks import deliver_webhook_task

    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "event")
        .get(pk=delivery.pk)
    )
    if actor.organisation_id != delivery.endpoint.organisation_id:
        raise WebhookRefused("Only the endpoint's organisation retries its deliveries.")
    if delivery.status != Status.FAILED:
        raise WebhookRefused(
            f"Only a failed delivery is retried; this one is {delivery.get_status_display().lower()}."
        )
    if not delivery.endpoint.active:
        raise WebhookRefused("This endpoint is deactivated: it is sent nothing.")
    delivery.status = Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    enqueue(deliver_webhook_task, delivery.pk, robust=True)
    record(
        actor=actor,
        action="webhook.delivery_retried",
        obj=delivery,
        summary=f"Delivery of {delivery.event} to {delivery.endpoint.url} retried by hand "
        f"after {delivery.attempts} attempts",
        changes={"attempts": delivery.attempts},
    )
    return delivery


def deliver(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Attempt a delivery that is due, once; its status afterwards.

    The row is claimed (FOR UPDATE SKIP LOCKED) for the attempt: a second run finds it
    claimed, delivered or not yet due, and sends nothing. A 2xx delivers it; anything else is
    tried again on the schedule (abl.webhooks.calc.retries), then the delivery has failed.
    """
    with transaction.atomic():
        now = now or timezone.now()
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return (
                WebhookDelivery.objects.filter(pk=delivery_id)
                .values_list("status", flat=True)
                .first()
                or "missing"
            )
        if not delivery.endpoint.active:
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
            delivery.last_error = "The endpoint was deactivated."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return delivery.status
        answer = _send(delivery, at=now)
        _attempted(delivery, answer, at=timezone.now())
        return delivery.status


def _send(delivery: WebhookDelivery, *, at: dt.datetime) -> sending.Answer:
    endpoint = delivery.endpoint
    # https was required when it was added (outside DEBUG); never anything but http(s).
    if problem := url_problem(endpoint.url, https_only=False):
        return sending.Answer(None, problem)
    body = json.dumps(delivery.event.payload, separators=(",", ":"))
    headers = sending.signed_headers(
        secret=endpoint.secret,
        message_id=events.message_id(delivery.event_id),
        at=at,
        body=body,
    )
    return sending.post(endpoint.url, body, headers)


def _attempted(delivery: WebhookDelivery, answer: sending.Answer, *, at: dt.datetime) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = at
    delivery.last_response_code = answer.status
    if succeeded(answer.status):
        delivery.status, delivery.delivered_at = Status.DELIVERED, at
        delivery.next_attempt_at, delivery.last_error = None, ""
    else:
        delivery.last_error = answer.error or f"The receiver answered {answer.status}."
        wait = retry_after(delivery.attempts)
        if wait is None:
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
        else:
            delivery.next_attempt_at = at + wait
    delivery.save()


def due_deliveries(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """The pending deliveries whose next attempt is due, oldest first (for the beat's sweep)."""
    return list(
        WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
