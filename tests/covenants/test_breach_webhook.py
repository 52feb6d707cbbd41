"""A covenant breach case opened is told to the facility's webhook endpoints, once."""

import json

import pytest

from abl.models import WebhookEvent
from abl.webhooks.services import add_endpoint
from covenants.models import BreachCase
from tests.abl.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


def test_a_breach_case_opened_is_told_once_to_the_borrowers_endpoint(submit, cfo, settings):
    settings.DEBUG = True  # the receiver speaks plain http
    with Receiver() as receiver:
        add_endpoint(
            organisation=cfo.organisation,
            url=receiver.url("/borrower"),
            event_types=["breach.opened"],
            actor=cfo,
        )

        submit(total_equity="34500000.00")  # tangible net worth short of 32,500,000
        submit(reason="Corrected goodwill", total_equity="34600000.00")  # the case covers it

        case = BreachCase.objects.get()
        (request,) = receiver.received
    body = json.loads(request.body)
    assert body["type"] == "breach.opened"
    assert body["data"] == {
        "case": case.pk,
        "covenant": "tangible_net_worth",
        "period_end": "2003-03-31",
        "required": "32,500,000.00",
        "actual": "32,000,000.00",
        "opened_on": "2003-04-20",
    }
    assert WebhookEvent.objects.filter(type="breach.opened").count() == 1
