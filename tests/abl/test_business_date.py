"""The business date (§1): one setting, one function, shown on every page, bounding the as-of date."""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from abl import business_date
from abl.models import Certificate
from abl.services import collateral
from abl.services.collateral import UploadRefused
from tests.abl.conftest import AGING

ROOT = Path(__file__).resolve().parents[2]


def test_today_is_the_setting_when_set(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    assert business_date.today() == dt.date(2003, 4, 7)


def test_today_is_the_calendar_date_in_time_zone_when_empty(settings):
    settings.ABL_BUSINESS_DATE = ""
    # 02:30 UTC on 2003-04-08 is still 2003-04-07 in New York.
    with time_machine.travel(dt.datetime(2003, 4, 8, 2, 30, tzinfo=dt.UTC), tick=False):
        assert business_date.today() == dt.date(2003, 4, 7)


def test_as_of_problem_only_after_the_business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    assert business_date.as_of_problem(dt.date(2003, 4, 7)) is None
    assert business_date.as_of_problem(dt.date(2030, 1, 31)) == (
        "The as-of date 2030-01-31 is after today's business date 2003-04-07."
    )


def test_setting_not_a_date_refuses_to_start():
    env = {"PATH": os.environ["PATH"], "DEBUG": "1", "ABL_BUSINESS_DATE": "2003-02-30"}

    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert result.returncode == 1
    assert (
        "ImproperlyConfigured: ABL_BUSINESS_DATE must be a date as YYYY-MM-DD, not '2003-02-30'."
        in result.stderr
    )


@pytest.mark.django_db
def test_header_shows_the_business_date(client, settings, cfo):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    client.force_login(cfo)

    page = client.get("/").content.decode()

    assert (
        'data-testid="business-date" title="The date every rule treats as today">'
        "Business date 2003-04-07</span>"
    ) in page


@pytest.mark.django_db
def test_header_has_no_business_date_when_logged_out(client, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    page = client.get("/login/").content.decode()

    assert "Business date" not in page


@pytest.mark.django_db
def test_as_of_after_the_business_date_refused_by_the_service(settings, innotrac, cfo):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    with pytest.raises(UploadRefused) as refused:
        collateral.report_collateral(
            facility=innotrac,
            actor=cfo,
            as_of=dt.date(2030, 1, 31),
            reported_outstanding=None,
            files={"receivables": SimpleUploadedFile("aging.csv", AGING.encode())},
        )

    assert (str(refused.value), refused.value.field) == (
        "The as-of date 2030-01-31 is after today's business date 2003-04-07.",
        "as_of",
    )
    assert Certificate.objects.count() == 0


@pytest.mark.django_db
def test_as_of_after_the_business_date_shown_on_the_as_of_field(client, settings, innotrac, cfo):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    client.force_login(cfo)
    data = {
        "as_of": "2030-01-31",
        "outstanding": "0",
        "receivables": SimpleUploadedFile("aging.csv", AGING.encode()),
    }

    response = client.post(f"/facilities/{innotrac.pk}/report/", data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "as_of": ["The as-of date 2030-01-31 is after today's business date 2003-04-07."]
    }
    assert Certificate.objects.count() == 0


@pytest.mark.django_db
def test_as_of_on_the_business_date_accepted(settings, innotrac, cfo):
    settings.ABL_BUSINESS_DATE = "2003-03-31"

    certificate = collateral.report_collateral(
        facility=innotrac,
        actor=cfo,
        as_of=dt.date(2003, 3, 31),
        files={"receivables": SimpleUploadedFile("aging.csv", AGING.encode())},
    )

    assert certificate.as_of == dt.date(2003, 3, 31)


@pytest.mark.django_db
def test_a_reserve_change_takes_effect_on_the_business_date(settings, innotrac, abl_analyst):
    from abl.calc.terms import Reserve
    from abl.services import terms

    settings.ABL_BUSINESS_DATE = "2003-04-07"

    terms.set_reserves(
        facility=innotrac,
        reserves=[Reserve(name="Rent reserve", amount=Decimal("150000.00"), reason="landlord")],
        actor=abl_analyst,
        reason="Field exam",
    )

    assert innotrac.current_terms().effective_date == dt.date(2003, 4, 7)


# Dates of record


def test_a_date_of_record_is_its_business_date():
    written = dt.datetime(2026, 12, 7, 21, 58, tzinfo=dt.UTC)

    assert business_date.record_date(dt.date(2003, 4, 7), written) == "2003-04-07"


def test_a_record_from_before_business_dates_were_kept_shows_its_system_time_so_labelled():
    written = dt.datetime(2026, 12, 7, 21, 58, tzinfo=dt.UTC)  # 16:58 in New York

    assert business_date.record_date(None, written) == "2026-12-07 16:58 system time"
    assert business_date.record_date(None, None) == "—"


def test_every_record_of_a_certificate_and_an_advance_carries_the_business_date(
    settings, innotrac, cfo, abl_analyst
):
    from abl.services import loans
    from tests.abl.loans.conftest import approve_certificate

    settings.ABL_BUSINESS_DATE = "2003-04-07"
    certificate = approve_certificate(innotrac, cfo, abl_analyst)
    approved = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("1000.00"), key="a"
    )
    loans.approve_advance(advance=approved, actor=abl_analyst)
    declined = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("1000.00"), key="b"
    )
    loans.decline_advance(advance=declined, actor=abl_analyst, comment="No")

    day = dt.date(2003, 4, 7)
    certificate.refresh_from_db()
    approved.refresh_from_db()
    declined.refresh_from_db()
    assert (certificate.submitted_on, certificate.reviewed_on) == (day, day)
    assert [f.uploaded_on for f in certificate.files.all()] == [day]
    assert (approved.requested_on, approved.decided_on) == (day, day)
    assert (declined.requested_on, declined.decided_on) == (day, day)
    assert set(innotrac.audit_events.values_list("business_date", flat=True)) == {day}
