"""Two clicks at once, a task run twice, on real PostgreSQL (and a real worker on Redis)."""

import datetime as dt
import threading

import pytest
from django.db import connection

from covenants.models import ComplianceCertificate, FinancialStatement, StatementVersion
from covenants.services import statements
from covenants.services.certificates import render_compliance_certificate
from covenants.services.errors import CovenantRefused
from tests.covenants.conftest import figures

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(count: int, work) -> list[object]:
    start = threading.Barrier(count)
    outcomes: list[object] = []

    def run():
        try:
            start.wait()
            outcomes.append(work())
        except CovenantRefused as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_submissions_of_a_period_at_once_make_one_version(innotrac, cfo, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def submit():
        return statements.submit_statement(
            facility=innotrac,
            kind="actual",
            period_end=dt.date(2003, 3, 31),
            financials=figures(),
            user=cfo,
            officer_title="CFO",
        ).version

    outcomes = _in_threads(2, submit)

    assert sorted(map(str, outcomes)) == [
        "1",
        "The statement for 2003-03-31 was submitted before (v1): give the reason for restating it.",
    ]
    assert FinancialStatement.objects.count() == 1
    assert StatementVersion.objects.count() == 1


def test_the_certificate_rendered_three_times_at_once_is_stored_once(submit):
    # A projection's certificate is not rendered on submission: nothing is stored yet.
    version = submit(period_end=dt.date(2003, 6, 30), kind="projection")
    assert ComplianceCertificate.objects.count() == 0

    outcomes = _in_threads(3, lambda: render_compliance_certificate(version_id=version.pk).pk)

    assert len(outcomes) == 3
    assert len(set(outcomes)) == 1
    assert ComplianceCertificate.objects.filter(statement_version=version).count() == 1


@pytest.mark.redis
def test_a_worker_renders_the_certificate_and_a_second_run_adds_nothing(
    innotrac, cfo, celery_worker_on_redis
):
    from covenants.tasks import render_compliance_certificate_task

    version = statements.submit_statement(
        facility=innotrac,
        kind="actual",
        period_end=dt.date(2003, 3, 31),
        financials=figures(),
        user=cfo,
        officer_title="CFO",
    )
    first = render_compliance_certificate_task.delay(version.pk).get(timeout=60)
    second = render_compliance_certificate_task.delay(version.pk).get(timeout=60)

    assert first == second == ComplianceCertificate.objects.get(statement_version=version).pk
