"""Celery tasks: thin, named, take ids, safe to run twice."""

from celery import shared_task

from abl import services


@shared_task(name="abl.ping_worker")
def ping_worker(user_id: int | None, token: str) -> str:
    """Prove a worker is alive by writing to the database; the same token twice writes once."""
    services.record_worker_ping(user_id=user_id, token=token)
    return token
