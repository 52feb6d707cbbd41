"""Two requests with one Idempotency-Key at once, on real PostgreSQL: the second waits on
the key's unique index until the first commits, then replays its answer; the work is done once."""

import threading

import pytest
from django.db import connection
from django.test import Client

from abl.models import AdvanceRequest, AuditEvent, IdempotencyKey, LedgerEntry
from abl.services import loans
from tests.abl.api.conftest import token_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 4


def _race(token: str, url: str, body: dict[str, str], key: str) -> list[tuple[int, dict]]:
    start = threading.Barrier(RACERS)
    answers: list[tuple[int, dict]] = []

    def post() -> None:
        client = Client(headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
        try:
            start.wait()
            response = client.post(url, body, content_type="application/json")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_one_advance_request_from_racing_posts_with_one_key(approved, innotrac, cfo):
    token = token_for(cfo)

    answers = _race(
        token,
        f"/api/v1/facilities/{innotrac.pk}/advances/",
        {"amount": "100000.00", "value_date": "2003-04-07"},
        "race-1",
    )

    advance = AdvanceRequest.objects.get()
    assert [status for status, _ in answers] == [201] * RACERS
    assert {body["id"] for _, body in answers} == {advance.pk}
    assert IdempotencyKey.objects.count() == 1
    assert AuditEvent.objects.filter(action="advance.requested").count() == 1


def test_one_repayment_from_racing_posts_with_one_key(approved, innotrac, cfo, abl_analyst):
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=100_000, value_date=None, key="page-1"
    )
    loans.approve_advance(advance=advance, actor=abl_analyst)
    token = token_for(abl_analyst)

    answers = _race(
        token,
        f"/api/v1/facilities/{innotrac.pk}/repayments/",
        {"amount": "40000.00", "value_date": "2003-04-07"},
        "race-2",
    )

    assert [status for status, _ in answers] == [201] * RACERS
    assert len({body["seq"] for _, body in answers}) == 1
    assert LedgerEntry.objects.filter(kind="repayment").count() == 1
