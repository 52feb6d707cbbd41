"""abl/writes.py: a model instance's insert and update, written as the ORM writes them, and
sent with an audit event (abl.audit.record's `writes`)."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from django.db import DataError, connection, transaction

from abl import writes
from abl.audit import record
from abl.models import AdvanceRequest, AuditEvent
from abl.services.audit import verify_chain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2003, 4, 7)


def _request(facility, user, key: str) -> AdvanceRequest:
    return AdvanceRequest(
        facility=facility, key=key, amount=Decimal("12.50"), value_date=TODAY, requested_by=user
    )


def _rows(*pks: int) -> list[dict]:
    rows = list(AdvanceRequest.objects.filter(pk__in=pks).order_by("pk").values())
    for row in rows:
        del row["id"], row["key"]
    return rows


def test_an_insert_stores_every_column_as_save_does(facility):
    user = UserFactory(role="borrower", organisation=facility.borrower)
    saved = _request(facility, user, "saved")
    saved.save()
    written = _request(facility, user, "written")

    with connection.cursor() as cursor:
        cursor.execute(*writes.insert(written))

    pk = AdvanceRequest.objects.get(key="written").pk
    first, second = _rows(saved.pk, pk)
    assert first.pop("requested_at") <= second["requested_at"] == written.requested_at
    second.pop("requested_at")
    assert first == second


def test_an_update_writes_the_fields_named_as_save_does(facility):
    user = UserFactory(role="borrower", organisation=facility.borrower)
    saved, written = _request(facility, user, "saved"), _request(facility, user, "written")
    saved.save()
    written.save()
    decided = ["status", "comment", "decided_by", "decided_at"]
    analyst = UserFactory(role="analyst")
    for advance in (saved, written):
        advance.status, advance.comment, advance.purpose = "declined", "No.", "not written"
        advance.decided_by, advance.decided_at = analyst, dt.datetime(2003, 4, 7, 9, tzinfo=dt.UTC)

    saved.save(update_fields=decided)
    with connection.cursor() as cursor:
        cursor.execute(*writes.update(written, decided))

    first, second = _rows(saved.pk, written.pk)
    assert first.pop("requested_at") <= second.pop("requested_at")  # each as it was made
    assert first == second
    assert (second["status"], second["purpose"]) == ("declined", "")


def test_the_writes_go_with_their_event_and_fail_with_it(facility):
    user = UserFactory(role="borrower", organisation=facility.borrower)

    with transaction.atomic():
        event = record(
            actor=user,
            action="advance.requested",
            summary="asked",
            facility=facility,
            writes=[writes.insert(_request(facility, user, "goes"))],
        )
    with contextlib.suppress(DataError), transaction.atomic():
        record(
            actor=user,
            action="x" * 81,  # longer than the column: the event is refused
            summary="asked",
            facility=facility,
            writes=[writes.insert(_request(facility, user, "fails"))],
        )

    assert list(AdvanceRequest.objects.values_list("key", flat=True)) == ["goes"]
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [event.pk]
    assert verify_chain().intact
