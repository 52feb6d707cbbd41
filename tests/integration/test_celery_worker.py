"""A real Celery worker on Redis runs a task that writes to PostgreSQL."""

import gc
import threading
import uuid

import pytest

from abl.models import AuditEvent
from abl.tasks import ping_worker
from tests.brokers import backends_closed, celery_on

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


def test_the_tasks_queued_on_commit_keep_no_result(celery_worker_on_redis, analyst, facility):
    """Nobody reads what the cadence's and the dashboard's tasks return (each is sent on the
    commit of an action): Redis keeps nothing of theirs, and sending waits for no result."""
    from config.celery import app
    from reporting.tasks import reevaluate_frequency_task, refresh_positions_task

    sent = [
        reevaluate_frequency_task.delay(facility.pk, "test"),
        refresh_positions_task.delay([facility.pk]),
    ]
    ping = ping_worker.delay(analyst.pk, uuid.uuid4().hex)
    ping.get(timeout=20)  # the worker (one process, solo) takes its tasks in the order sent

    stored = [app.backend.get(app.backend.get_key_for_task(result.id)) for result in sent]
    assert stored == [None, None]
    assert app.backend.get(app.backend.get_key_for_task(ping.id)) is not None


def test_celery_pointed_at_another_broker_closes_the_first_ones_sockets(settings, analyst):
    """A task sent with `.delay()` subscribes to its result on the backend's Redis. Pointing Celery
    at another broker (tests/brokers.py) closes that socket then and there: left to the garbage
    collector, a socket in a reference cycle may be finalised before its connection closes it, and
    the ResourceWarning fails whichever later test is running."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    ping_worker.delay(analyst.pk, uuid.uuid4().hex)  # no worker: the subscription stays open
    app.control.purge()
    subscription = app.backend.result_consumer._pubsub.connection._sock

    gc.disable()  # nothing collected behind the helper's back
    try:
        with celery_on(settings, "memory://"):
            closed = subscription.fileno() == -1
    finally:
        gc.enable()

    assert closed


def test_a_result_backend_made_in_another_thread_is_closed_after_the_test(settings):
    """Celery keeps a result backend per thread; a worker run in a thread makes its own, and
    nothing closes it when the thread ends. The tests close every backend they made."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    sockets = []

    def connect_from_a_thread() -> None:
        client = app.backend.client
        client.ping()
        sockets.append(client.connection_pool._available_connections[0]._sock)

    gc.disable()  # nothing collected behind the helper's back
    try:
        with backends_closed(app):
            thread = threading.Thread(target=connect_from_a_thread)
            thread.start()
            thread.join()
            assert sockets[0].fileno() != -1
        closed = sockets[0].fileno() == -1
    finally:
        gc.enable()

    assert closed
