"""The events a webhook tells of, and the JSON body each delivery posts.

>>> import datetime as dt
>>> payload(event_id=7, event_type="advance.requested", facility_id=3,
...         created_at=dt.datetime(2003, 4, 7, 9, 30, tzinfo=dt.UTC), data={"amount": "50000.00"})
{'id': 'evt_7', 'type': 'advance.requested', 'timestamp': '2003-04-07T09:30:00+00:00', 'facility': 3, 'data': {'amount': '50000.00'}}
"""

import datetime as dt
from typing import Any

CERTIFICATE_SUBMITTED = "certificate.submitted"
CERTIFICATE_APPROVED = "certificate.approved"
CERTIFICATE_RETURNED = "certificate.returned"
ADVANCE_REQUESTED = "advance.requested"
ADVANCE_DECIDED = "advance.decided"
FREQUENCY_SWITCHED = "frequency.switched"
BREACH_OPENED = "breach.opened"
DEFAULT_DECLARED = "default.declared"
DEFAULT_ENDED = "default.ended"
TEST = "webhook.test"

# What an endpoint may subscribe to, with the words the page shows.
EVENT_TYPES: dict[str, str] = {
    CERTIFICATE_SUBMITTED: "Certificate submitted",
    CERTIFICATE_APPROVED: "Certificate approved",
    CERTIFICATE_RETURNED: "Certificate returned",
    ADVANCE_REQUESTED: "Advance requested",
    ADVANCE_DECIDED: "Advance decided (approved or declined)",
    FREQUENCY_SWITCHED: "Reporting frequency switched",
    BREACH_OPENED: "Covenant breach case opened",
    DEFAULT_DECLARED: "Event of default declared",
    DEFAULT_ENDED: "Event of default ended (cured or waived)",
}


def message_id(event_id: int) -> str:
    """The `webhook-id` of every delivery of one event: the same on a retry, so a receiver
    that has seen it can ignore it."""
    return f"evt_{event_id}"


def payload(
    *,
    event_id: int,
    event_type: str,
    facility_id: int | None,
    created_at: dt.datetime,
    data: dict[str, Any],
) -> dict[str, Any]:
    """The body posted for an event (Standard Webhooks' `type`, `timestamp`, `data`)."""
    return {
        "id": message_id(event_id),
        "type": event_type,
        "timestamp": created_at.isoformat(),
        "facility": facility_id,
        "data": data,
    }
