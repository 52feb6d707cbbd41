"""The audit trail page: filters (facility, user, action or kind, business dates), a search,
and a CSV export of what is filtered; for analysts and admins alone."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abl.audit import record
from abl.models import AuditEvent
from tests.factories import FacilityFactory, UserFactory
from tests.twofactor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(settings, facility, analyst):
    """Four events: two days, two facilities, an analyst and the system, three kinds."""
    other = FacilityFactory(name="Other revolver")
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    record(
        actor=analyst,
        action="certificate.approved",
        obj=facility,
        facility=facility,
        summary="Certificate as of 2003-03-31 approved",
    )
    record(
        actor=None,
        action="reporting.frequency_switched",
        obj=other,
        facility=other,
        summary="Weekly from now",
    )
    settings.ABL_BUSINESS_DATE = "2003-04-08"
    record(
        actor=analyst,
        action="certificate.returned",
        obj=other,
        facility=other,
        summary='=HYPERLINK("x") returned',
    )
    record(
        actor=analyst,
        action="advance.approved",
        obj=facility,
        facility=facility,
        summary="Advance of 1,000.00 approved",
    )
    return facility, other


def _summaries(client, **query) -> list[str]:
    response = client.get(reverse("audit_list"), query)
    assert response.status_code == 200
    return [event.summary for event in response.context["page"]]


def _exported(client, **query) -> list[dict[str, str]]:
    response = client.get(reverse("audit_csv"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_trail_filters_by_facility_user_action_kind_and_business_dates(client, analyst, trail):
    facility, _ = trail
    verified_login(client, analyst)

    assert _summaries(client, facility=facility.pk) == [
        "Advance of 1,000.00 approved",
        "Certificate as of 2003-03-31 approved",
    ]
    assert _summaries(client, actor="null") == ["Weekly from now"]
    assert _summaries(client, action="certificate.*") == [
        '=HYPERLINK("x") returned',
        "Certificate as of 2003-03-31 approved",
    ]
    assert _summaries(client, action="advance.approved") == ["Advance of 1,000.00 approved"]
    assert _summaries(client, since="2003-04-08", until="2003-04-08") == [
        "Advance of 1,000.00 approved",
        '=HYPERLINK("x") returned',
    ]
    assert _summaries(client, q="weekly") == ["Weekly from now"]


def test_a_filter_that_does_not_read_is_named_and_changes_nothing(client, analyst, trail):
    verified_login(client, analyst)

    response = client.get(reverse("audit_csv"), {"since": "2003-13-45", "action": "nonsense"})

    assert response.status_code == 200
    assert not response.streaming  # the page with its errors, not an export
    assert set(response.context["filter"].errors) == {"since", "action"}
    assert b"Enter a valid date." in response.content


def test_the_export_holds_the_filtered_events_with_both_dates_user_object_and_hash(
    client, analyst, trail
):
    facility, _ = trail
    verified_login(client, analyst)

    rows = _exported(client, facility=facility.pk)

    newest = AuditEvent.objects.filter(facility=facility).order_by("-id").first()
    assert [r["summary"] for r in rows] == [
        "Advance of 1,000.00 approved",
        "Certificate as of 2003-03-31 approved",
    ]
    assert rows[0] == {
        "event": str(newest.pk),
        "business date": "2003-04-08",
        "system time (UTC)": newest.created_at.astimezone(dt.UTC).isoformat(
            timespec="microseconds"
        ),
        "user": analyst.username,
        "action": "advance.approved",
        "object": f"abl.Facility {facility.pk}",
        "facility": facility.name,
        "summary": "Advance of 1,000.00 approved",
        "changes": "{}",
        "previous hash": newest.previous_hash,
        "hash": newest.hash,
    }


def test_the_export_writes_no_formula_a_spreadsheet_would_run(client, analyst, trail):
    verified_login(client, analyst)

    rows = _exported(client, q="HYPERLINK")

    assert [r["summary"] for r in rows] == ['\'=HYPERLINK("x") returned']


@pytest.mark.parametrize("role", ["borrower", "relationship_manager"])
def test_only_analysts_and_admins_see_or_export_the_trail(client, trail, role):
    verified_login(client, UserFactory(role=role))

    assert client.get(reverse("audit_list")).status_code == 404
    assert client.get(reverse("audit_csv")).status_code == 404


def test_an_admin_exports_the_trail(client, admin_user, trail):
    verified_login(client, admin_user)

    assert len(_exported(client)) == 4


def test_the_page_reads_the_same_number_of_queries_for_3_events_as_for_40(
    client, analyst, facility
):
    verified_login(client, analyst)

    def queries(events: int) -> int:
        for n in range(events):
            record(actor=analyst, action="a.b", obj=facility, facility=facility, summary=str(n))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit_list"), {"facility": facility.pk}).status_code == 200
        return len(captured)

    assert queries(3) == queries(37)
