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
