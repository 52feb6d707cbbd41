"""A real Celery worker on Redis runs a task that writes to PostgreSQL."""

import uuid

import pytest

from abl.models import AuditEvent
from abl.tasks import ping_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_worker_runs_task_that_writes_to_database(celery_worker_on_redis, analyst):
    token = uuid.uuid4().hex

    result = ping_worker.delay(analyst.pk, token)

    assert result.get(timeout=20) == token
    event = AuditEvent.objects.get(action="system.worker_ping", object_id=token)
    assert event.actor_name == analyst.username


def test_worker_ping_twice_writes_once(celery_worker_on_redis, analyst):
    token = uuid.uuid4().hex

    ping_worker.delay(analyst.pk, token).get(timeout=20)
    ping_worker.delay(analyst.pk, token).get(timeout=20)

    assert AuditEvent.objects.filter(object_id=token).count() == 1
