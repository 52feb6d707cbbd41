"""Each role lands on its own home page, with role-aware navigation."""

import pytest

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
