"""A Redis server of the test's own, and Celery pointed at a broker for one test.

The shared Redis (REDIS_URL) is never stopped: a test that needs the broker down
starts its own `redis-server` on a free port and stops that one.
"""

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """`redis-server` on a free port, without persistence, started and stopped by the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis.from_url(self.url) as probe:
                    answered = probe.ping()
                if answered:
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def queue_length(self, queue: str) -> int:
        """How many messages wait in `queue`, asked on a client closed after (no socket left)."""
        with redis.Redis.from_url(self.url) as client:
            return int(client.llen(queue))


def close_backend(backend: Any) -> None:
    """Close a Celery result backend's sockets: its pub/sub subscription and its pool.

    A task sent with `.delay()` (not through the outbox, which ignores results) subscribes to its
    result on a pub/sub connection of the backend. Dropped open, the socket is collected during a
    later test, and may be finalised before its connection closes it: the ResourceWarning then
    fails whichever test is running. The same happens to a connection opened after the close."""
    consumer = getattr(backend, "result_consumer", None)
    if consumer is not None:
        consumer.stop()
        # A result collected later unsubscribes from its task (AsyncResult.__del__): through the
        # closed subscription, that would take a new connection, which nothing closes.
        consumer._pubsub = None
    client = backend.__dict__.get("client")  # a cached_property, made on first use
    if client is not None:
        client.connection_pool.disconnect()


def drop_result_backend(app: Any) -> None:
    """Close the result backend this thread's Celery app holds, and forget it: the next one
    used is made afresh, from the settings as they are then."""
    for backend in (app._local.__dict__.get("backend"), app._backend_cache):
        if backend is not None:
            close_backend(backend)  # closing one twice, when both name it, is harmless
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def backends_closed(app: Any) -> Iterator[None]:
    """Every result backend Celery makes during the block, in any thread, is closed after it.

    Celery keeps a backend per thread (`result_backend_thread_safe` is off): a worker run in a
    thread (`start_worker`) or a page served by the live server's thread makes its own, which
    nothing closes when the thread ends."""
    made: list[Any] = []
    make = app._get_backend
    patched = app.__dict__.get("_get_backend")  # an enclosing block's, when nested

    def recording() -> Any:
        backend = make()
        made.append(backend)
        return backend

    app._get_backend = recording
    try:
        yield
    finally:
        if patched is None:
            del app._get_backend  # the class's method shows again
        else:
            app._get_backend = patched
        drop_result_backend(app)  # this thread's, which may have been made before the block
        for backend in made:
            close_backend(backend)


def forget_connections(app: Any) -> None:
    """Make Celery connect afresh, to the broker and result backend its settings name now."""
    from kombu import pools

    pools.reset()  # kombu keeps a pool per broker URL for the process; closed, it is dropped
    drop_result_backend(app)
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_on(settings: Any, url: str) -> Iterator[Any]:
    """Tasks are sent to the broker at `url` from this process (not run in it)."""
    from config.celery import app

    # Celery reads Django's settings live (namespace CELERY): change them there.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    settings.CELERY_RESULT_BACKEND = url
    forget_connections(app)
    try:
        yield app
    finally:
        forget_connections(app)
