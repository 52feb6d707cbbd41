"""Approvals and repayments racing across the 15% line, with a real worker re-evaluating.

Real PostgreSQL, a real Celery worker on Redis, the pages posted through the
test client from threads of their own (each its own connection). Innotrac's
excess availability starts at 82,000.00 of a 546,125.00 line cap (15.01%,
monthly); an advance of 5,000.00 takes it below the line (14.10%, weekly), a
repayment of 5,000.00 back above it, and the terms' cure period is 0 days, so
the worker's re-evaluation after most actions switches the frequency and
audits the switch. Six analysts post at once, each approving, repaying,
approving and so on, 10 actions each (30 approvals, 30 repayments):
every action and every re-evaluation takes the facility's row before the audit
chain's lock (docs/architecture.md, "Lock order"), so none deadlocks, every
page answers, and the ledger, the cadence and the audit chain agree.
"""

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from abl.models import AdvanceRequest, AuditEvent, LedgerEntry
from abl.services import loans
from abl.services.audit import verify_trail
from abl.tasks import ping_worker
from reporting.models import Cadence, FrequencySwitch
from tests.abl.conftest import abl_analyst
from tests.abl.loans.conftest import LINE_CAP, approve_certificate
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
__all__ = ["abl_analyst"]  # the fixture, for this module

TODAY = dt.date(2003, 4, 7)
EXCESS = Decimal("82000.00")  # 15.01% of the line cap: just above the 15% line
AMOUNT = Decimal("5000.00")  # an advance takes it to 14.10%, a repayment back
POSTERS = 6
ACTIONS = 10  # each poster's: approve, repay, approve, ...


@pytest.fixture
def just_above_the_line(innotrac, cfo, abl_analyst, settings):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=LINE_CAP - EXCESS, value_date=TODAY
    )
    approve_certificate(innotrac, cfo, abl_analyst)
    assert Cadence.objects.get(facility=innotrac).frequency == "monthly"
    return innotrac


def _plans(facility, cfo):
    """Each poster's actions: ("approve", request id) or ("repay", None), alternating."""
    plans = []
    for poster in range(POSTERS):
        plan = []
        for n in range(ACTIONS):
            if n % 2 == 0:
                advance = loans.request_advance(
                    facility=facility, actor=cfo, amount=AMOUNT, key=f"race-{poster}-{n}"
                )
                plan.append(("approve", advance.pk))
            else:
                plan.append(("repay", None))
        plans.append(plan)
    return plans


def test_approvals_and_repayments_racing_the_worker_across_the_line_never_deadlock(
    request, just_above_the_line, cfo, abl_analyst
):
    facility = just_above_the_line
    plans = _plans(facility, cfo)
    analysts = [abl_analyst] + [
        UserFactory(username=f"racer{n}", role="analyst", organisation=facility.lender)
        for n in range(1, POSTERS)
    ]
    request.getfixturevalue("celery_worker_on_redis")
    start = threading.Barrier(POSTERS)
    answers: list[tuple[str, int, str]] = []

    def post(analyst, plan):
        client = Client(raise_request_exception=False)
        client.force_login(analyst)
        try:
            start.wait()
            for action, pk in plan:
                if action == "approve":
                    response = client.post(f"/advances/{pk}/", {"decision": "approve"})
                else:
                    response = client.post(
                        f"/facilities/{facility.pk}/ledger/repayment/",
                        {"kind": "repayment", "amount": str(AMOUNT), "value_date": TODAY},
                    )
                answers.append((action, response.status_code, _error(response)))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=post, args=(analyst, plan))
        for analyst, plan in zip(analysts, plans, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # The worker takes its tasks in the order sent: once the ping is back, every
    # re-evaluation queued by the actions has run.
    ping_worker.delay(abl_analyst.pk, uuid.uuid4().hex).get(timeout=60)

    assert [answer for answer in answers if answer[1] != 302] == []
    assert len(answers) == POSTERS * ACTIONS
    assert AdvanceRequest.objects.filter(status="approved").count() == POSTERS * ACTIONS // 2
    ledger = LedgerEntry.objects.filter(facility=facility)
    assert ledger.filter(kind="advance").count() == POSTERS * ACTIONS // 2
    assert ledger.filter(kind="repayment").count() == POSTERS * ACTIONS // 2
    assert ledger.balance_on(TODAY) == LINE_CAP - EXCESS
    assert AuditEvent.objects.filter(action="advance.approved").count() == POSTERS * ACTIONS // 2
    assert AuditEvent.objects.filter(action="ledger.repayment").count() == POSTERS * ACTIONS // 2
    switches = FrequencySwitch.objects.filter(facility=facility).count()
    assert AuditEvent.objects.filter(action="reporting.frequency_switched").count() == switches
    cadence = Cadence.objects.get(facility=facility)
    assert (cadence.frequency, cadence.excess_availability) == ("monthly", EXCESS)
    report = verify_trail()
    assert report.intact, report


def _error(response) -> str:
    """The exception behind a 5xx answer, as the test client caught it."""
    if response.exc_info is None:
        return ""
    return repr(response.exc_info[1])[:1200]
