"""The Webhooks page: the bank's administrators and a borrower's users keep their own
organisation's endpoints; every action is audited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abl.models import AuditEvent, WebhookEndpoint
from abl.webhooks.services import send_test_event

pytestmark = pytest.mark.django_db


def test_adding_an_endpoint_shows_its_secret_once(client, cfo, settings):
    settings.DEBUG = False
    client.force_login(cfo)

    added = client.post(
        reverse("webhooks"),
        {"url": "https://hooks.innotrac.example/abl", "event_types": ["advance.requested"]},
    )

    endpoint = WebhookEndpoint.objects.get()
    assert added.status_code == 200
    assert endpoint.secret in added.content.decode()
    assert (endpoint.organisation, endpoint.created_by, endpoint.event_types) == (
        cfo.organisation,
        cfo,
        ["advance.requested"],
    )
    assert endpoint.secret not in client.get(reverse("webhooks")).content.decode()
    assert (
        endpoint.secret
        not in client.get(reverse("webhook_endpoint", args=[endpoint.pk])).content.decode()
    )
    assert AuditEvent.objects.filter(action="webhook.endpoint_added").count() == 1


def test_a_refused_url_is_shown_on_its_field(client, cfo, settings):
    settings.DEBUG = False
    client.force_login(cfo)

    refused = client.post(
        reverse("webhooks"),
        {"url": "http://hooks.example.com/", "event_types": ["advance.requested"]},
    )

    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "url": ["Enter an https:// URL: the events are sent only over HTTPS."]
    }
    assert not WebhookEndpoint.objects.exists()


def test_deactivate_and_test_from_the_endpoints_page(
    client, endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    client.force_login(cfo)
    page = reverse("webhook_endpoint", args=[endpoints.borrower.pk])

    with django_capture_on_commit_callbacks(execute=True):
        tested = client.post(reverse("test_webhook_endpoint", args=[endpoints.borrower.pk]))
    shown = client.get(page).content.decode()
    deactivated = client.post(reverse("deactivate_webhook_endpoint", args=[endpoints.borrower.pk]))

    assert (tested.status_code, tested["Location"]) == (302, page)
    assert receiver.paths() == ["/borrower"]
    assert "webhook.test" in shown
    assert "Delivered" in shown
    assert deactivated.status_code == 302
    endpoints.borrower.refresh_from_db()
    assert endpoints.borrower.active is False
    assert list(
        AuditEvent.objects.filter(action__startswith="webhook.", actor=cfo)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["webhook.endpoint_added", "webhook.test_sent", "webhook.endpoint_deactivated"]


def test_a_failed_delivery_is_retried_from_the_page(
    client, endpoints, cfo, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = send_test_event(endpoint=endpoints.borrower, actor=cfo)
    delivery.refresh_from_db()
    delivery.status = "failed"
    delivery.save()
    client.force_login(cfo)

    assert (
        "Retry"
        in client.get(reverse("webhook_endpoint", args=[endpoints.borrower.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("retry_webhook_delivery", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "delivered",
        2,
        200,
    )


@pytest.mark.parametrize(
    ("who", "status"), [("cfo", 200), ("bank_admin", 200), ("abl_analyst", 404)]
)
def test_who_keeps_webhooks(client, request, who, status):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("webhooks")).status_code == status


def test_the_bank_admin_sees_the_banks_endpoints_only(client, endpoints, bank_admin):
    client.force_login(bank_admin)

    page = client.get(reverse("webhooks")).content.decode()

    assert endpoints.bank.url in page
    assert endpoints.borrower.url not in page
    assert endpoints.other_borrower.url not in page


def test_the_delivery_list_reads_a_fixed_number_of_queries(client, endpoints, cfo):
    """No query per delivery (an N+1 would read each one's event)."""
    client.force_login(cfo)
    url = reverse("webhook_endpoint", args=[endpoints.borrower.pk])
    send_test_event(endpoint=endpoints.borrower, actor=cfo)
    few = _queries(client, url)
    for _ in range(5):
        send_test_event(endpoint=endpoints.borrower, actor=cfo)

    assert _queries(client, url) == few


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)
