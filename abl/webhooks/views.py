"""The Webhooks page: an organisation's endpoints, added, tested, deactivated; their deliveries.

Kept by the bank's administrators and a borrower's users (abl.access.may_manage_webhooks), each
for their own organisation: anyone else's ids answer 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from abl.access import (
    get_delivery_for_user,
    get_endpoint_for_user,
    may_manage_webhooks,
    signed_in_user,
)
from abl.forms import show_refusal
from abl.models import WebhookEndpoint
from abl.webhooks import services
from abl.webhooks.calc.events import EVENT_TYPES
from abl.webhooks.forms import EndpointForm

RECENT = 50


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """The organisation's endpoints and the form that adds one. The new secret is shown on the
    answer to the POST, once: it is never put in a redirect, a message or a page again."""
    user = signed_in_user(request)
    if not may_manage_webhooks(user) or user.organisation is None:
        raise Http404("Not found")
    form = EndpointForm(request.POST or None)
    added = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            added, secret = services.add_endpoint(
                organisation=user.organisation,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                actor=user,
            )
        except services.WebhookRefused as error:
            show_refusal(form, error)
        else:
            form = EndpointForm()
    context = {
        "organisation": user.organisation,
        "endpoints": WebhookEndpoint.objects.filter(organisation=user.organisation),
        "form": form,
        "added": added,
        "secret": secret,
        "event_names": EVENT_TYPES,
    }
    return render(request, "abl/webhooks/list.html", context, status=400 if form.errors else 200)


@login_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint and its recent deliveries: status, attempts, the receiver's answer."""
    endpoint = get_endpoint_for_user(signed_in_user(request), pk)
    deliveries = endpoint.deliveries.select_related("event").order_by("-pk")[:RECENT]
    context = {"endpoint": endpoint, "deliveries": deliveries, "event_names": EVENT_TYPES}
    return render(request, "abl/webhooks/endpoint.html", context)


@login_required
@require_POST
def deactivate_endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    endpoint = get_endpoint_for_user(user, pk)
    try:
        services.deactivate_endpoint(endpoint=endpoint, actor=user)
    except services.WebhookRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{endpoint.url} is deactivated: it is sent nothing more.")
    return redirect("webhook_endpoint", endpoint.pk)


@login_required
@require_POST
def test_endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    endpoint = get_endpoint_for_user(user, pk)
    try:
        services.send_test_event(endpoint=endpoint, actor=user)
    except services.WebhookRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"A test event is on its way to {endpoint.url}.")
    return redirect("webhook_endpoint", endpoint.pk)


@login_required
@require_POST
def retry_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    delivery = get_delivery_for_user(user, pk)
    try:
        services.retry_delivery(delivery=delivery, actor=user)
    except services.WebhookRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Delivery {delivery.pk} is tried again.")
    return redirect("webhook_endpoint", delivery.endpoint_id)
