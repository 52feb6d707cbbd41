"""The facility's relationship managers are e-mailed what they must act on (issue 23, finding 25):
a switch of reporting frequency, a report overdue (not every reminder), a covenant breach and an
event of default (tests/abl/loans/test_default.py). Another facility's RM hears nothing."""

import pytest
from django.core import mail

from reporting.services import close
from tests.factories import UserFactory
from tests.reporting.conftest import approve_certificate, switch_to_weekly

pytestmark = pytest.mark.django_db
RM = "rm@bank.example"


@pytest.fixture
def rm(innotrac):
    manager = UserFactory(
        username="rm", role="relationship_manager", organisation=innotrac.lender, email=RM
    )
    innotrac.relationship_managers.add(manager)
    UserFactory(
        username="other-rm",
        role="relationship_manager",
        organisation=innotrac.lender,
        email="other-rm@bank.example",
    )
    return manager


def _to_rm() -> list[str]:
    assert not any("other-rm@bank.example" in m.to for m in mail.outbox)
    return [m.subject for m in mail.outbox if RM in m.to]


def test_the_rm_hears_of_a_switch_of_frequency_with_its_money_and_link(
    innotrac, cfo, abl_analyst, rm, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://abl.example"
    run = django_capture_on_commit_callbacks
    switch_to_weekly(innotrac, cfo, abl_analyst, run)

    (switch,) = [m for m in mail.outbox if RM in m.to]
    assert "now weekly" in switch.subject
    assert switch.to == [RM]  # a side of its own: nobody else's addresses
    assert "Excess availability:  81,864.13" in switch.body
    assert f"https://abl.example/facilities/{innotrac.pk}/due/" in switch.body


def test_the_rm_hears_of_an_overdue_report_not_of_every_reminder(
    innotrac, cfo, abl_analyst, rm, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)
    heard = {}
    for day in ("2003-04-27", "2003-04-30", "2003-05-01"):
        settings.ABL_BUSINESS_DATE = day
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            close.close_business_day()
        heard[day] = _to_rm()

    assert heard == {
        "2003-04-27": [],
        "2003-04-30": [],
        "2003-05-01": [
            f"{innotrac.name}: financial statements for 2003-03-31 overdue since 2003-04-30"
        ],
    }
