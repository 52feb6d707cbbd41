"""Posting a month twice at once, on real PostgreSQL: threads, processes and the task.

However the two runs interleave, April is posted once: the second run waits on
the facilities' row locks, then finds every charge there.
"""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from abl.calc.fees import Month
from abl.models import FeeCharge, LedgerEntry
from abl.services import fees
from abl.tasks import post_fees_task
from tests.abl.fees.conftest import AFTER_APRIL, APRIL_INTEREST

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


def _assert_april_posted_once(facility):
    assert sorted(FeeCharge.objects.values_list("kind", "amount")) == sorted(
        [("interest", APRIL_INTEREST), ("monitoring", 1555), ("setup", 1125)]
    )
    assert LedgerEntry.objects.filter(facility=facility, kind__in=["fee", "interest"]).count() == 3


def test_two_postings_in_threads_at_once_post_april_once(april):
    start = threading.Barrier(2)
    posted: list[int] = []

    def post():
        try:
            start.wait()
            posted.append(len(fees.post_fees(month=Month(2003, 4))))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(posted) == [0, 3]
    _assert_april_posted_once(april)


def test_two_post_fees_processes_at_once_post_april_once(april):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "ABL_BUSINESS_DATE": AFTER_APRIL,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    env.pop("REDIS_URL", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "post_fees", "--month", "2003-04"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(120), *p.communicate()) for p in processes]

    assert [code for code, _, _ in results] == [0, 0]
    outputs = sorted(len(out.splitlines()) for _, out, _ in results)
    assert outputs == [1, 3]
    assert "Nothing to post for 2003-04: every charge is already posted.\n" in [
        out for _, out, _ in results
    ]
    _assert_april_posted_once(april)


def test_the_task_posts_the_month_before_the_business_date_and_twice_is_once(april):
    first = post_fees_task()
    second = post_fees_task()

    assert (first, second) == ("2003-04: 3 charges posted", "2003-04: 0 charges posted")
    _assert_april_posted_once(april)


def test_the_task_returns_a_refusal_without_posting(april, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-20"

    assert post_fees_task("2003-04") == (
        "2003-04: refused: 2003-04 has not ended: the business date is 2003-04-20."
    )
    assert FeeCharge.objects.count() == 0


@pytest.mark.redis
def test_a_real_worker_runs_the_posting_twice_and_april_is_posted_once(
    april, celery_worker_on_redis
):
    first = post_fees_task.delay("2003-04").get(timeout=60)
    second = post_fees_task.delay("2003-04").get(timeout=60)

    assert (first, second) == ("2003-04: 3 charges posted", "2003-04: 0 charges posted")
    _assert_april_posted_once(april)
