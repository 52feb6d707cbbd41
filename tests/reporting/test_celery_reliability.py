"""Celery is configured for reliability, and every task of ours is named and time-limited.

Late acknowledgement (a task is acknowledged when it finishes), given back when
its worker is lost, one task prefetched at a time, JSON only; each task has an
explicit name ("<app>.<verb>", never the module path Celery would make up, so
a moved function keeps its queued messages) and a time limit shorter than the
visibility timeout (so a task still running is never handed to a second worker).
"""

import importlib

import pytest
from django.conf import settings

from config.celery import app

OUR_APPS = ("abl", "covenants", "reporting")


def _our_tasks():
    for label in OUR_APPS:
        importlib.import_module(f"{label}.tasks")
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_reliability_settings():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_RESULT_SERIALIZER == "json"
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]


def test_every_task_has_an_explicit_name_of_its_app():
    tasks = _our_tasks()

    assert {name.split(".")[0] for name in tasks} <= set(OUR_APPS)
    for name, task in tasks.items():
        module = task.run.__module__
        assert module.split(".")[0] == name.split(".")[0], name
        assert name != f"{module}.{task.run.__name__}", f"{name} has Celery's made-up name"
    assert "reporting.close_business_day" in tasks


@pytest.mark.parametrize("name", sorted(_our_tasks()))
def test_every_task_is_time_limited_within_the_visibility_timeout(name):
    task = app.tasks[name]
    limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    assert 0 < limit < visibility
    if task.soft_time_limit:
        assert task.soft_time_limit < limit


def test_the_nightly_close_is_on_beat():
    close = app.conf.beat_schedule["close-business-day"]

    assert close["task"] == "reporting.close_business_day"
    assert (close["schedule"].hour, close["schedule"].minute) == ({0}, {5})
