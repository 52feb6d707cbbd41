"""Two analysts confirming the same cure at once, on real PostgreSQL: one wins (§7).

Each thread has its own connection; the facility's row is locked first (the one lock
order), so the second confirmation waits, then finds the event ended and is refused.
"""

import threading

import pytest
from django.db import connection

from abl.models import AuditEvent, DefaultEvent
from abl.services import loans
from abl.services.errors import LoanRefused
from tests.abl.loans.conftest import TODAY
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_confirmations_at_once_end_the_default_once(innotrac, abl_analyst, second_analyst):
    third = UserFactory(username="analyst3", role="analyst", organisation=innotrac.lender)
    event = loans.declare_event_of_default(facility=innotrac, on=TODAY, reason="Breach", user=None)
    loans.propose_default_end(facility=innotrac, ending="cure", reason="Cured", user=abl_analyst)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(analyst):
        try:
            start.wait()
            loans.confirm_default_end(event=event, user=analyst)
            outcomes.append("ended")
        except LoanRefused as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(a,)) for a in (second_analyst, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == [
        f"Event of default {event.pk} already ended on {TODAY} (cure).",
        "ended",
    ]
    ended = DefaultEvent.objects.get()
    assert ended.ended_on == TODAY
    assert ended.confirmed_by in {second_analyst, third}
    assert AuditEvent.objects.filter(action="facility.default_cure_confirmed").count() == 1
