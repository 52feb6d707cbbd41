"""The portfolio dashboard (relationship managers and analysts) and a facility's charts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abl.services import loans
from reporting.models import FacilityPosition
from reporting.services.positions import refresh_positions
from tests.factories import FacilityFactory, UserFactory
from tests.reporting.conftest import approve_certificate, line, listed_names, outstanding_for

pytestmark = pytest.mark.django_db


def test_the_manager_sees_the_facilities_of_their_portfolio_only(client, manager, portfolio):
    client.force_login(manager)

    page = client.get(reverse("portfolio"))

    assert page.status_code == 200
    assert listed_names(page) == ["Alpha", "Bravo", "Charlie"]


def test_an_analyst_gets_the_same_view_of_every_facility_they_cover(client, bank, portfolio):
    client.force_login(UserFactory(role="analyst", organisation=bank))

    assert listed_names(client.get(reverse("portfolio"))) == ["Alpha", "Bravo", "Charlie", "Other"]


def test_a_borrower_has_no_portfolio(client, portfolio, borrower_user):
    client.force_login(borrower_user)

    assert client.get(reverse("portfolio")).status_code == 404


def test_the_managers_home_is_the_dashboard(client, manager, portfolio):
    client.force_login(manager)

    assert listed_names(client.get("/")) == ["Alpha", "Bravo", "Charlie"]


def test_a_facility_not_measured_yet_is_listed_and_says_so(client, bank, manager, portfolio):
    unmeasured = FacilityFactory(lender=bank, name="Delta")
    unmeasured.relationship_managers.add(manager)
    client.force_login(manager)

    page = client.get(reverse("portfolio"))

    assert listed_names(page) == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert "not measured yet" in page.content.decode()
    assert "4 (3 measured)" in page.content.decode()


def test_exceptions_come_first_worst_first(client, manager, portfolio):
    client.force_login(manager)

    body = client.get(reverse("portfolio")).content.decode()

    exceptions = body[body.index('data-testid="exceptions"') : body.index("portfolio-filter")]
    assert body.index('data-testid="exceptions"') < body.index('data-testid="portfolio-table"')
    assert re.findall(r'exception-row">\s*<td><a href="[^"]+">([^<]+)<', exceptions) == [
        "Bravo",
        "Charlie",
    ]
    assert "Over-advanced" in exceptions
    assert "Late report" in exceptions
    assert "Alpha" not in exceptions


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("frequency=weekly", ["Alpha"]),
        ("exception=any", ["Bravo", "Charlie"]),
        ("exception=late_report", ["Charlie"]),
        ("exception=over_advanced", ["Bravo"]),
        ("q=char", ["Charlie"]),
        ("sort=excess_availability", ["Bravo", "Alpha", "Charlie"]),
        ("sort=-excess_availability", ["Charlie", "Alpha", "Bravo"]),
        ("frequency=monthly&sort=-excess_availability", ["Charlie", "Bravo"]),
    ],
)
def test_filters_and_sorting(client, manager, portfolio, query, names):
    client.force_login(manager)

    assert listed_names(client.get(reverse("portfolio") + "?" + query)) == names


def test_each_exception_filter_finds_the_lines_whose_exceptions_name_it(client, manager, portfolio):
    """The filter's conditions (reporting/filters.py) and the rule's list agree, kind by kind."""
    from reporting.calc.position import EXCEPTION_LABELS
    from reporting.filters import exception_condition

    lines = list(FacilityPosition.objects.all())
    for kind in EXCEPTION_LABELS:
        found = set(FacilityPosition.objects.filter(exception_condition(kind)))
        assert found == {p for p in lines if kind in p.exceptions}, kind


def test_a_filter_value_that_is_no_choice_says_so(client, manager, portfolio):
    client.force_login(manager)

    page = client.get(reverse("portfolio") + "?frequency=daily")

    assert page.status_code == 200
    assert "Select a valid choice. daily is not one of the available choices." in (
        page.content.decode()
    )


def test_the_queries_do_not_grow_with_facilities(client, bank, manager, portfolio):
    client.force_login(manager)
    client.get(reverse("portfolio"))  # the session and user, warmed
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portfolio"))
    for n in range(20):
        facility = FacilityFactory(lender=bank, name=f"Zulu {n}")
        facility.relationship_managers.add(manager)
        line(facility, exceptions=["stale_certificate"], certificate_stale=True)

    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("portfolio") + "?sort=-exception_count")

    assert len(listed_names(page)) == 23
    assert len(many) == len(few)
    # The session, the user and its organisation; the page with its totals, the exceptions.
    assert len(many) <= 5


def test_the_dashboard_shows_innotrac_as_the_services_left_it(
    client, innotrac, cfo, abl_analyst, relationship_manager, django_capture_on_commit_callbacks
):
    innotrac.relationship_managers.add(relationship_manager)
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)
        request = loans.request_advance(
            facility=innotrac, actor=cfo, amount=outstanding_for("0.10"), key="to-weekly"
        )
        loans.approve_advance(advance=request, actor=abl_analyst)
    client.force_login(relationship_manager)

    page = client.get(reverse("portfolio") + "?frequency=weekly")

    assert listed_names(page) == [innotrac.name]
    row = page.content.decode().split('data-testid="position-row">')[1]
    assert "40,000,000.00" in row  # commitment
    assert "546,125.00" in row  # borrowing base
    assert "491,512.50" in row  # outstanding
    assert "10.00%" in row  # excess availability
    assert "Weekly" in row


def test_the_charts_page_draws_each_history_with_its_table(
    client, innotrac, cfo, abl_analyst, relationship_manager, django_capture_on_commit_callbacks
):
    innotrac.relationship_managers.add(relationship_manager)
    with django_capture_on_commit_callbacks(execute=True):
        first = approve_certificate(innotrac, cfo, abl_analyst)
        loans.record_opening_balance(
            facility=innotrac,
            actor=abl_analyst,
            amount=Decimal("100000.00"),
            value_date=dt.date(2003, 4, 1),
        )
        latest = approve_certificate(innotrac, cfo, abl_analyst, as_of=dt.date(2003, 4, 4))
    client.force_login(relationship_manager)

    page = client.get(reverse("facility_charts", args=[innotrac.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    for slug in ("availability", "ineligibles", "headroom"):
        assert f'data-testid="panel-{slug}"' in body
    availability = body[body.index('data-testid="table-availability"') :]
    availability = availability[: availability.index("</table>")]
    assert "2003-03-31" in availability
    assert "2003-04-04" in availability
    assert "100,000.00" in availability  # outstanding on 2003-04-04, from the ledger
    assert "446,125.00" in availability  # its excess availability
    assert body.count("<polyline") >= 3
    assert reverse("certificate_pdf", args=[latest.pk]) in body
    assert reverse("certificate_pdf", args=[first.pk]) not in body


def test_charts_of_a_facility_outside_the_portfolio_answer_404(client, manager, portfolio):
    client.force_login(manager)
    other = portfolio["Other"].facility

    assert client.get(reverse("facility_charts", args=[other.pk])).status_code == 404


def test_a_line_measured_before_today_says_so(client, manager, portfolio):
    FacilityPosition.objects.filter(name="Alpha").update(as_of=dt.date(2003, 4, 1))
    refresh_positions(facility_ids=[portfolio["Bravo"].facility_id])
    client.force_login(manager)

    body = client.get(reverse("portfolio")).content.decode()

    assert "as of 2003-04-01" in body


def test_the_pager_counts_what_the_filter_leaves(client, bank, manager, portfolio):
    for n in range(60):
        facility = FacilityFactory(lender=bank, name=f"Monthly {n:02d}")
        facility.relationship_managers.add(manager)
        line(facility)
    client.force_login(manager)

    everything = client.get(reverse("portfolio") + "?sort=name").content.decode()
    weekly = client.get(reverse("portfolio") + "?frequency=weekly").content.decode()

    assert "Page 1 of 2" in everything  # 63 facilities, 50 a page
    assert weekly.count('data-testid="position-row"') == 1  # Alpha
    assert "Page 1 of" not in weekly


def test_the_totals_are_of_the_facilities_listed_and_the_exceptions_of_the_portfolio(
    client, manager, portfolio
):
    client.force_login(manager)

    weekly = client.get(reverse("portfolio") + "?frequency=weekly").content.decode()
    everything = client.get(reverse("portfolio")).content.decode()

    def total(body: str, label: str) -> str:
        totals = body[body.index('data-testid="portfolio-totals"') :]
        return re.search(rf"<dt[^>]*>{label}</dt><dd[^>]*>([^<]*)</dd>", totals).group(1)

    assert total(weekly, "Facilities listed") == "1"  # Alpha
    assert total(weekly, "Excess availability") == "500.00"
    assert total(weekly, "With exceptions") == "2"  # Bravo and Charlie, listed or not
    assert total(everything, "Facilities listed") == "3"
    assert total(everything, "Excess availability") == "9,490.00"  # 500 − 10 + 9,000


def test_a_page_past_the_end_shows_the_last(client, bank, manager, portfolio):
    for n in range(60):
        facility = FacilityFactory(lender=bank, name=f"Monthly {n:02d}")
        facility.relationship_managers.add(manager)
        line(facility)
    client.force_login(manager)

    for asked in ("9", "2", "last", "-3"):
        body = client.get(reverse("portfolio") + f"?page={asked}").content.decode()
        expected = "Page 2 of 2" if asked in {"9", "2"} else "Page 1 of 2"
        assert expected in body, asked


def test_a_fee_valued_into_an_approved_period_leaves_its_chart_point_as_approved(
    innotrac, cfo, abl_analyst
):
    """§7: the chart's past points show each certificate's figures as approved."""
    from abl.models import LedgerEntry
    from reporting.services.history import facility_history

    certificate = approve_certificate(innotrac, cfo, abl_analyst)  # as of 2003-03-31, owing 0
    loans.charge_loan(
        facility=innotrac,
        actor=None,
        kind=LedgerEntry.Kind.FEE,
        amount=Decimal("1555.00"),
        value_date=dt.date(2003, 3, 31),
        description="Monitoring fee, March 2003",
        source="fees:monitoring:2003-03",
    )

    (day, (line_cap, outstanding, excess)) = facility_history(innotrac).availability.rows[0]

    approved = certificate.approved.figures
    assert day == dt.date(2003, 3, 31)
    assert (line_cap, outstanding, excess) == (
        Decimal(approved["line_cap"]),
        Decimal(approved["outstanding"]),
        Decimal(approved["excess_availability"]),
    )
    assert excess == Decimal("546125.00")


def test_the_totals_net_the_advance_requests_awaiting_a_decision(client, manager, portfolio):
    """§7: requests in flight over the listed facilities (not another manager's), and the
    listed excess availability (500.00 − 10.00 + 9,000.00) after them."""
    from abl.models import AdvanceRequest

    for name, amount in (("Alpha", "1000.00"), ("Charlie", "250.50"), ("Other", "5000.00")):
        facility = portfolio[name].facility
        AdvanceRequest.objects.create(
            facility=facility,
            key=name,
            amount=Decimal(amount),
            value_date=dt.date(2003, 4, 7),
            requested_by=UserFactory(organisation=facility.borrower),
        )
    client.force_login(manager)

    body = client.get(reverse("portfolio")).content.decode()

    pending = re.search(r'data-testid="portfolio-pending">([^<]+)<', body)
    after = re.search(r'data-testid="portfolio-after-pending">([^<]+)<', body)
    assert (pending and pending[1], after and after[1]) == ("1,250.50", "8,239.50")
