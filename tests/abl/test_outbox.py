"""The outbox (abl/outbox.py): a task queued by a committed action is kept until the broker takes it.

These run on SQLite and PostgreSQL alike: the broker that is down is a port nobody listens on.
The outage on real processes (a Redis server stopped and started again, a relay, a worker) is
tests/integration/test_outbox_redis_outage.py.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client

from abl import outbox
from abl.models import AuditEvent, CollateralFile, OutboxMessage
from abl.tasks import ping_worker
from tests.abl.conftest import AGING
from tests.brokers import celery_on, free_port

T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)  # after every default "now"


@pytest.fixture
def broker_down(settings):
    with celery_on(settings, f"redis://127.0.0.1:{free_port()}/0") as app:
        yield app


@pytest.fixture
def memory_broker(settings):
    """A broker in this process (kombu's memory transport) that takes every message."""
    with celery_on(settings, "memory://") as app:
        settings.CELERY_RESULT_BACKEND = None
        yield app
        with app.connection_for_read() as connection:
            connection.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE).clear()


def _received(app, queue: str) -> list[tuple[str, str]]:
    """The task names and arguments waiting in the broker's queue, in the order sent."""
    found = []
    with app.connection_for_read() as connection:
        waiting = connection.SimpleQueue(queue)
        while waiting.qsize():
            message = waiting.get(timeout=1)
            found.append((message.headers["task"], message.headers["argsrepr"]))
            message.ack()
    return found


def test_enqueue_without_a_broker_runs_the_task_in_process_on_commit(
    db, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(ping_worker, analyst.pk, "eager")
        assert not AuditEvent.objects.filter(object_id="eager").exists()

    assert AuditEvent.objects.filter(action="system.worker_ping", object_id="eager").count() == 1
    assert OutboxMessage.objects.count() == 0


def test_enqueue_with_the_broker_down_keeps_the_message_and_raises_nothing(
    db, analyst, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(ping_worker, analyst.pk, "kept")

    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("abl.ping_worker", [analyst.pk, "kept"])
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error.startswith("OperationalError: ")
    assert not AuditEvent.objects.filter(object_id="kept").exists()


def test_a_rolled_back_transaction_leaves_no_message(db, analyst, broker_down):
    def failing_action() -> None:
        with transaction.atomic():
            outbox.enqueue(ping_worker, analyst.pk, "rolled back")
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()

    assert OutboxMessage.objects.count() == 0


def test_the_relay_sends_due_messages_in_id_order_and_marks_them_sent(db, settings, memory_broker):
    first = OutboxMessage.objects.create(task="abl.ping_worker", args=[None, "a"], created_at=T0)
    second = OutboxMessage.objects.create(task="reporting.refresh_positions", args=[[7]])
    later = OutboxMessage.objects.create(
        task="abl.ping_worker", args=[None, "b"], next_attempt_at=T0 + dt.timedelta(seconds=5)
    )

    assert outbox.relay(now=T0) == 2

    assert _received(memory_broker, settings.CELERY_TASK_DEFAULT_QUEUE) == [
        ("abl.ping_worker", "[None, 'a']"),
        ("reporting.refresh_positions", "[[7]]"),
    ]
    assert [m.sent_at for m in OutboxMessage.objects.order_by("pk")] == [T0, T0, None]
    assert {first.pk, second.pk, later.pk} == set(
        OutboxMessage.objects.values_list("pk", flat=True)
    )


def test_the_relay_with_the_broker_down_stops_and_backs_off_doubling(db, broker_down):
    first = OutboxMessage.objects.create(task="abl.ping_worker", args=[None, "a"])
    second = OutboxMessage.objects.create(task="abl.ping_worker", args=[None, "b"])

    assert outbox.relay(now=T0) == 0
    second.refresh_from_db()
    assert (second.attempts, second.sent_at) == (0, None)  # the first one's failure stopped it

    first.refresh_from_db()
    tries = [(first.attempts, first.next_attempt_at - T0)]
    for seconds in (0.5, 1, 2.5, 3):
        assert outbox.relay(now=T0 + dt.timedelta(seconds=seconds)) == 0
        first.refresh_from_db()
        tries.append((first.attempts, first.next_attempt_at - T0))

    assert tries == [
        (1, dt.timedelta(seconds=1)),  # not due again before T0 + 1 s
        (1, dt.timedelta(seconds=1)),
        (2, dt.timedelta(seconds=3)),  # 1 s + 2 s
        (2, dt.timedelta(seconds=3)),
        (3, dt.timedelta(seconds=7)),  # 3 s + 4 s
    ]


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)]
)
def test_retry_delay_doubles_up_to_the_setting(settings, attempts, seconds):
    settings.ABL_OUTBOX_RETRY_MAX_SECONDS = 60

    assert outbox.retry_delay(attempts) == dt.timedelta(seconds=seconds)


def test_prune_deletes_only_messages_sent_before_the_retention(db, settings):
    settings.ABL_OUTBOX_RETENTION_DAYS = 7
    day = dt.timedelta(days=1)
    old = OutboxMessage.objects.create(task="t", sent_at=T0 - 8 * day)
    recent = OutboxMessage.objects.create(task="t", sent_at=T0 - 6 * day)
    unsent = OutboxMessage.objects.create(task="t", created_at=T0 - 30 * day)

    assert outbox.prune(now=T0) == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, unsent.pk}
    assert old.pk not in set(OutboxMessage.objects.values_list("pk", flat=True))


def test_an_upload_with_the_broker_down_answers_its_page_and_keeps_its_bytes(
    db, settings, innotrac, cfo, broker_down, django_capture_on_commit_callbacks
):
    """The upload committed: its page, its file queued with its bytes, its task in the outbox."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DEBUG = False
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    client = Client(raise_request_exception=False)
    client.force_login(cfo)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/facilities/{innotrac.pk}/report/",
            {
                "as_of": "2003-03-31",
                "outstanding": "0",
                "receivables": SimpleUploadedFile("aging.csv", AGING.encode()),
            },
        )

    file = CollateralFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{file.certificate_id}/"
    assert file.status == CollateralFile.Status.QUEUED
    assert file.stored.storage.exists(file.stored.name)
    with file.stored.open("rb") as stored:
        assert stored.read().decode() == AGING
    message = OutboxMessage.objects.get(task="abl.process_collateral_file")
    assert (message.args, message.sent_at) == ([file.pk], None)


def test_relay_outbox_once_sends_what_is_due_and_prunes(db, settings, memory_broker):
    from io import StringIO

    from django.core.management import call_command

    settings.ABL_OUTBOX_RETENTION_DAYS = 7
    OutboxMessage.objects.create(task="abl.ping_worker", args=[None, "a"])
    OutboxMessage.objects.create(task="t", sent_at=T0 - dt.timedelta(days=3650))
    out = StringIO()

    call_command("relay_outbox", "--once", stdout=out)

    assert out.getvalue() == "1 sent, 1 pruned\n"
    assert _received(memory_broker, settings.CELERY_TASK_DEFAULT_QUEUE) == [
        ("abl.ping_worker", "[None, 'a']")
    ]
    assert list(OutboxMessage.objects.values_list("task", flat=True)) == ["abl.ping_worker"]


def test_every_task_queued_on_commit_goes_through_the_outbox():
    """No module sends a task from `transaction.on_commit` itself but `abl/outbox.py` (eager mode)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sending = re.compile(r"on_commit\(\s*lambda[^\n]*(\n[^\n]*)?\.(delay|apply_async|send_task)\(")
    offenders = [
        str(path.relative_to(root))
        for app in ("abl", "covenants", "reporting", "config")
        for path in sorted((root / app).rglob("*.py"))
        if sending.search(path.read_text())
    ]

    assert offenders == ["abl/outbox.py"]
