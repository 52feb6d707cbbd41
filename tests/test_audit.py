"""The audit trail is append-only, in the database itself."""

import pytest
from django.db import DatabaseError, transaction

from abl.audit import record
from abl.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_record_keeps_actor_object_and_summary(analyst, facility):
    event = record(
        actor=analyst, action="facility.viewed", obj=facility, summary="Looked", facility=facility
    )

    assert (event.actor_name, event.object_type, event.object_id) == (
        analyst.username,
        "abl.Facility",
        str(facility.pk),
    )


def test_record_without_actor_is_the_system(facility):
    assert record(actor=None, action="x", obj=facility, summary="s").actor_name == "system"


def test_audit_event_cannot_be_updated(analyst, facility):
    event = record(actor=analyst, action="a", obj=facility, summary="original")

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")

    assert AuditEvent.objects.get(pk=event.pk).summary == "original"


def test_audit_event_cannot_be_deleted(analyst, facility):
    event = record(actor=analyst, action="a", obj=facility, summary="kept")

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()
