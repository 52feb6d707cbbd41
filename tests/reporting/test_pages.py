"""The due calendar page and the home pages' "what is due next" and "reporting frequency and why"."""

import pytest
from django.urls import reverse

from abl.services import loans
from reporting.services import close
from reporting.services.status import summaries
from tests.factories import FacilityFactory, UserFactory
from tests.reporting.conftest import TODAY, approve_certificate, outstanding_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekly(innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks):
    """Innotrac at 10% excess availability: weekly from 2003-04-07, the week of 04-04 due 04-09."""
    with django_capture_on_commit_callbacks(execute=True):
        loans.record_opening_balance(
            facility=innotrac,
            actor=abl_analyst,
            amount=outstanding_for("0.10"),
            value_date=innotrac.terms_versions.get()
            .facility.created_at.date()
            .replace(year=2003, month=3, day=31),
        )
        approve_certificate(innotrac, cfo, abl_analyst)
    return innotrac


def test_calendar_page_flags_what_is_overdue(client, weekly, cfo, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-10"
    close.close_business_day()
    client.force_login(cfo)

    page = client.get(reverse("due_calendar", args=[weekly.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "<strong>Weekly</strong> since 2003-04-07" in text
    assert "Excess availability 10.00% is not above 15.00% (figures of 2003-04-07)." in text
    assert text.count('data-testid="overdue"') == 1  # the week ending 04-04, due 04-09
    assert "2003-04-16" in text  # the week ending 04-11
    assert "monthly → weekly" not in text
    assert "— → weekly" in text


@pytest.mark.parametrize("role", ["borrower", "analyst"])
def test_home_pages_show_frequency_why_and_what_is_due_next(client, weekly, role, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-10"
    user = UserFactory(
        role=role, organisation=weekly.borrower if role == "borrower" else weekly.lender
    )
    if role == "relationship_manager":
        weekly.relationship_managers.add(user)
    client.force_login(user)

    page = client.get("/")

    text = page.content.decode()
    assert f'data-testid="due-next-{weekly.pk}"' in text
    assert "Weekly since 2003-04-07" in text
    assert "not above 15.00%" in text
    assert '2003-04-09 <span class="badge text-bg-danger">overdue</span>' in text
    assert "2003-04-30" in text  # March's financial statements
    assert "Calendar (1 overdue)" in text


def test_the_managers_dashboard_and_charts_show_the_frequency_why_and_what_is_overdue(
    client, weekly, relationship_manager, settings
):
    from reporting.tasks import close_business_day_task

    weekly.relationship_managers.add(relationship_manager)
    settings.ABL_BUSINESS_DATE = "2003-04-10"
    close_business_day_task()  # the close, then every facility's dashboard line
    client.force_login(relationship_manager)

    rows = client.get("/").content.decode().split('data-testid="position-row">')[1:]
    (row,) = [r for r in rows if weekly.name in r.split("</tr>")[0]]
    charts = client.get(reverse("facility_charts", args=[weekly.pk])).content.decode()

    assert "Weekly" in row
    assert "2003-04-09" in row  # the week ending 04-04, still open
    assert "1 since 2003-04-09" in row  # overdue
    assert "Weekly since 2003-04-07" in charts
    assert "not above 15.00%" in charts


def test_another_borrower_cannot_see_the_calendar(client, weekly):
    other = UserFactory(role="borrower")
    client.force_login(other)

    assert client.get(reverse("due_calendar", args=[weekly.pk])).status_code == 404


def test_the_home_pages_reporting_lines_take_six_queries_for_any_number_of_facilities(
    weekly, django_assert_num_queries
):
    # cadences, switches, terms, received items, received certificates, overdue items
    facilities = [weekly, *(FacilityFactory(lender=weekly.lender) for _ in range(5))]

    with django_assert_num_queries(6):
        lines = summaries(facilities, on=TODAY)

    assert [line.facility for line in lines] == facilities
    assert lines[0].next_certificate.due_on.isoformat() == "2003-04-09"
    assert [line.cadence for line in lines[1:]] == [None] * 5


def test_the_facility_page_links_to_its_due_calendar(client, weekly, cfo):
    client.force_login(cfo)

    page = client.get(reverse("facility_detail", args=[weekly.pk])).content.decode()

    assert (
        f'href="{reverse("due_calendar", args=[weekly.pk])}" data-testid="due-calendar-link"'
        in page
    )
