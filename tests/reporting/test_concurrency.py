"""Re-evaluations racing on real PostgreSQL: threads with their own connections, one switch."""

import threading

import pytest
from django.db import connection

from reporting.models import Cadence, FrequencySwitch
from reporting.services import cadence, close
from tests.reporting.conftest import TODAY, approve_certificate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACERS = 4


def _race(target) -> list[BaseException]:
    start = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            target()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_first_evaluations_at_once_make_one_cadence_and_one_switch(innotrac, cfo, abl_analyst):
    approve_certificate(innotrac, cfo, abl_analyst)  # its own task ran here: a cadence now
    Cadence.objects.filter(facility=innotrac).delete()
    FrequencySwitch.objects.filter(facility=innotrac).delete()

    errors = _race(lambda: cadence.reevaluate_facility(facility_id=innotrac.pk, on=TODAY))

    assert errors == []
    assert Cadence.objects.filter(facility=innotrac).count() == 1
    assert FrequencySwitch.objects.filter(facility=innotrac).count() == 1


def test_nightly_closes_and_re_evaluations_at_once_switch_once(innotrac, cfo, abl_analyst):
    approve_certificate(innotrac, cfo, abl_analyst)
    Cadence.objects.filter(facility=innotrac).delete()
    FrequencySwitch.objects.filter(facility=innotrac).delete()
    calls = iter(
        [
            lambda: close.close_business_day(on=TODAY),
            lambda: cadence.reevaluate_facility(facility_id=innotrac.pk, on=TODAY),
        ]
        * (RACERS // 2)
    )
    lock = threading.Lock()

    def next_call() -> None:
        with lock:
            call = next(calls)
        call()

    errors = _race(next_call)

    assert errors == []
    assert Cadence.objects.filter(facility=innotrac).count() == 1
    assert FrequencySwitch.objects.filter(facility=innotrac).count() == 1


def test_dashboard_refreshes_at_once_leave_one_line_with_the_latest_figures(
    innotrac, cfo, abl_analyst
):
    from decimal import Decimal

    from abl.services import loans
    from reporting.models import FacilityPosition
    from reporting.services.positions import refresh_positions

    approve_certificate(innotrac, cfo, abl_analyst)
    request = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("1000.00"), key="race"
    )
    loans.approve_advance(advance=request, actor=abl_analyst)

    errors = _race(lambda: refresh_positions(facility_ids=[innotrac.pk], on=TODAY))

    assert errors == []
    (line,) = FacilityPosition.objects.filter(facility=innotrac)
    assert line.outstanding == Decimal("1000.00")


def test_a_refresh_locks_its_facilities_without_a_key_update(innotrac):
    """Rows that refer to a facility (its ledger entries, audit events, due items) take a key
    share lock on it, which FOR NO KEY UPDATE lets through: a refresh never holds them up."""
    from django.test.utils import CaptureQueriesContext

    from reporting.services.positions import refresh_positions

    with CaptureQueriesContext(connection) as queries:
        refresh_positions(facility_ids=[innotrac.pk], on=TODAY)

    locks = [q["sql"] for q in queries if " FOR " in q["sql"]]
    assert locks
    assert all(sql.endswith("FOR NO KEY UPDATE") for sql in locks)
