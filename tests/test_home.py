"""Each role lands on its own home page, with role-aware navigation."""

import datetime as dt

import pytest

from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


@pytest.mark.parametrize(
    ("fixture", "heading"),
    [
        ("borrower_user", "Your facilities"),
        ("analyst", "Analyst desk"),
        ("relationship_manager", "Portfolio"),
        ("admin_user", "Administration"),
    ],
)
def test_each_role_sees_its_home_page(client, request, facility, fixture, heading):
    client.force_login(request.getfixturevalue(fixture))

    html = client.get("/").content.decode()

    assert f'data-testid="home-heading">{heading}<' in html
    assert facility.name in html


def test_navigation_offers_audit_trail_only_to_bank_reviewers(client, borrower_user, analyst):
    client.force_login(borrower_user)
    assert "Audit trail" not in client.get("/").content.decode()

    client.force_login(analyst)
    assert "Audit trail" in client.get("/").content.decode()


def test_login_with_password_reaches_home(client, analyst):
    response = client.post(
        "/login/", {"username": analyst.username, "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def _book(bank, n: int) -> None:
    """n facilities with terms loaded (a version each), as the analysts' book grows."""
    from abl.models import TermsVersion

    for facility in FacilityFactory.create_batch(n, lender=bank):
        TermsVersion.objects.create(
            facility=facility,
            version=1,
            effective_date=dt.date(2003, 2, 18),
            data={},
            reason="test",
        )


def test_the_facility_list_reads_each_facilitys_terms_in_its_own_query_not_one_a_row(
    client, bank, analyst
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _book(bank, 3)
    client.force_login(analyst)
    client.get("/facilities/")
    with CaptureQueriesContext(connection) as few:
        client.get("/facilities/")
    _book(bank, 30)

    with CaptureQueriesContext(connection) as many:
        page = client.get("/facilities/").content.decode()

    assert len(many) == len(few)
    assert page.count("v1 from 2003-02-18") == 33


def test_a_long_book_is_listed_fifty_a_page_and_the_home_page_shows_the_first_fifty(
    client, bank, analyst
):
    _book(bank, 51)
    client.force_login(analyst)

    first = client.get("/facilities/").content.decode()
    second = client.get("/facilities/?page=2").content.decode()
    home = client.get("/").content.decode()

    assert first.count('data-testid="loan-link"') == 50
    assert second.count('data-testid="loan-link"') == 1
    assert "Page 1 of 2" in first
    assert home.count('data-testid="loan-link"') == 50
    assert 'data-testid="more-facilities"' in home
