"""The transactional outbox: a task queued by a transaction survives the broker being down.

A service queues a task with `enqueue(task, *args)` inside its transaction. With a broker
(REDIS_URL set) that writes an `OutboxMessage` in the same transaction, so the task exists
exactly when the action committed. Once the transaction commits, `enqueue` tries to send it at
once; a broker error is logged and left to the relay, never raised into the request, so a
committed action answers its page whether Redis is up or not.

The relay (`relay()`, run by `manage.py relay_outbox`) sends what is left, in id order, each
row locked with `SELECT ... FOR UPDATE SKIP LOCKED` and marked sent in the same transaction,
so several relays may run at once. A relay killed between sending and marking sends the
message again when it restarts: delivery is at least once, and every task queued here is
idempotent (run twice, the same state). A message the broker refused is tried again after a
backoff that doubles up to `ABL_OUTBOX_RETRY_MAX_SECONDS`. Sent rows are deleted after
`ABL_OUTBOX_RETENTION_DAYS`.

Without a broker (`CELERY_TASK_ALWAYS_EAGER`: the demo, the plain test run) there is nothing
to survive: the task runs in-process once the transaction commits, and no row is written.
"""

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from abl.models import OutboxMessage

if TYPE_CHECKING:
    from celery import Task
    from kombu import Connection

log = logging.getLogger(__name__)
BATCH = 100


def broker_down(error: Exception) -> bool:
    """The broker cannot be reached: every message after this one would fail the same way."""
    # Imported here: start-up loads no Celery (tests/test_startup_imports.py).
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError, TimeoutError

    return isinstance(error, OperationalError | ConnectionError | TimeoutError | OSError)


def enqueue(task: "Task[Any, Any]", *args: Any, robust: bool = False) -> None:
    """Queue `task(*args)` to run once the caller's transaction commits.

    The arguments are JSON (ids, short strings). `robust` matters in eager mode only: a task
    that fails in-process is logged instead of failing the action that committed.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: task.delay(*args), robust=robust)
        return
    message = OutboxMessage.objects.create(task=task.name, args=list(args))
    transaction.on_commit(lambda: send_now(message.pk))


def send_now(message_id: int) -> None:
    """Send one committed message unless the relay has it; never raises (the relay retries)."""
    now = timezone.now()
    try:
        with transaction.atomic(), _broker() as broker:
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, sent_at__isnull=True)
                .first()
            )
            if message is not None and _hand_over(message, broker, now=now, backoff=False) is None:
                message.sent_at = now
                message.save(update_fields=["sent_at"])
    except Exception:
        log.exception("Outbox message %s left for the relay", message_id)


def relay(*, now: dt.datetime | None = None) -> int:
    """Send the messages due, in id order, a batch per transaction; how many were sent.

    A batch is marked sent in one statement after it was handed to the broker. Stops at the
    first message the broker could not take (the ones after it would fail alike).
    """
    sent = 0
    while True:
        with transaction.atomic(), _broker() as broker:
            due = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, next_attempt_at__lte=now or timezone.now())
                .order_by("pk")[:BATCH]
            )
            handed: list[int] = []
            for message in due:
                problem = _hand_over(message, broker, now=now or timezone.now(), backoff=True)
                if problem is None:
                    handed.append(message.pk)
                elif broker_down(problem):
                    break
            OutboxMessage.objects.filter(pk__in=handed).update(sent_at=now or timezone.now())
        sent += len(handed)
        if len(due) < BATCH or len(handed) < len(due):
            return sent


def prune(*, now: dt.datetime | None = None) -> int:
    """Delete the messages sent more than ABL_OUTBOX_RETENTION_DAYS ago; how many."""
    before = (now or timezone.now()) - dt.timedelta(days=settings.ABL_OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=before).delete()
    return deleted


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... seconds after the 1st, 2nd, 3rd failure, at most ABL_OUTBOX_RETRY_MAX_SECONDS."""
    return dt.timedelta(seconds=min(2 ** (attempts - 1), settings.ABL_OUTBOX_RETRY_MAX_SECONDS))


def _broker() -> "Connection":
    """A connection to the broker that tries once: a broker that is down fails at once (Celery's
    pooled connection would try again for seconds, holding the request that committed)."""
    from config.celery import app

    options = {**app.conf.broker_transport_options, "max_retries": 0}
    return app.connection_for_write(transport_options=options)


def _hand_over(
    message: OutboxMessage, broker: "Connection", *, now: dt.datetime, backoff: bool
) -> Exception | None:
    """Hand the locked message to the broker, or note why it could not be (the error)."""
    from config.celery import app

    try:
        # Nobody waits for the result, and asking for it would subscribe to the result
        # store, which retries for 20 s when it is down.
        app.send_task(
            message.task, args=message.args, connection=broker, retry=False, ignore_result=True
        )
    except Exception as error:
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        # The failure on commit is the first: the relay tries again at its next poll.
        message.next_attempt_at = now + retry_delay(message.attempts) if backoff else now
        message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        log.warning("Outbox message %s (%s) not sent: %s", message.pk, message, error)
        return error
    return None
