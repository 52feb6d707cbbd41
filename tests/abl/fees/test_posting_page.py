"""Posting a month from the statement page: an analyst's button on the same `post_fees`
service as beat and the command, for the facility shown, audited with who posted."""

import pytest

from abl.models import AuditEvent, FeeCharge
from abl.services.terms import load_facility_terms
from tests.abl.conftest import TERMS
from tests.abl.fees.conftest import APRIL_INTEREST
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _post(client, facility, month: str):
    return client.post(f"/facilities/{facility.pk}/fees/post/", {"post-month": month})


def test_an_analyst_posts_a_month_on_the_statement_page(client, april, abl_analyst):
    client.force_login(abl_analyst)

    response = _post(client, april, "2003-04")

    assert response.status_code == 302
    assert response["Location"] == f"/facilities/{april.pk}/fees/?month=2003-04"
    assert sorted(FeeCharge.objects.values_list("kind", "amount")) == sorted(
        [("setup", 1125), ("monitoring", 1555), ("interest", APRIL_INTEREST)]
    )
    event = AuditEvent.objects.get(action="fees.posted")
    assert (event.actor, event.summary) == (
        abl_analyst,
        "Fees and interest for 2003-04 posted: 19,684.40",
    )
    page = client.get(response["Location"]).content.decode()
    assert "3 charges posted for 2003-04: 19,684.40." in page
    assert 'data-testid="fee-total">19,684.40<' in page


def test_posting_again_on_the_page_adds_nothing_and_says_so(client, april, abl_analyst):
    client.force_login(abl_analyst)
    _post(client, april, "2003-04")

    again = client.get(_post(client, april, "2003-04")["Location"]).content.decode()

    assert "Nothing to post for 2003-04: every charge is already posted." in again
    assert FeeCharge.objects.count() == 3
    assert AuditEvent.objects.filter(action="fees.posted").count() == 1


@pytest.mark.parametrize(
    ("month", "reason"),
    [
        ("2003-05", "2003-05 has not ended: the business date is 2003-05-01."),
        ("2003-13", "not a month: 2003-13"),
    ],
)
def test_a_month_that_cannot_be_posted_is_refused_with_the_reason(
    client, april, abl_analyst, month, reason
):
    client.force_login(abl_analyst)

    response = _post(client, april, month)

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert FeeCharge.objects.count() == 0


def test_the_page_posts_only_the_facility_it_shows(client, april, abl_analyst):
    other, _ = load_facility_terms(
        text=TERMS.read_text().replace("innotrac-2003", "innotrac-other"), actor=None, reason="t"
    )
    client.force_login(abl_analyst)

    _post(client, april, "2003-04")

    assert set(FeeCharge.objects.values_list("facility_id", flat=True)) == {april.pk}
    assert other.facility.fee_charges.count() == 0


@pytest.mark.parametrize("role", ["borrower", "relationship_manager"])
def test_only_an_analyst_posts_and_sees_the_button(client, april, cfo, role):
    user = cfo if role == "borrower" else UserFactory(role=role, organisation=april.lender)
    if role == "relationship_manager":
        april.relationship_managers.add(user)
    client.force_login(user)

    page = client.get(f"/facilities/{april.pk}/fees/").content.decode()
    response = _post(client, april, "2003-04")

    assert 'data-testid="post-fees"' not in page
    assert response.status_code == 404
    assert FeeCharge.objects.count() == 0


def test_the_analyst_sees_the_button_with_the_month_shown(client, april, abl_analyst):
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{april.pk}/fees/?month=2003-04").content.decode()

    assert 'data-testid="post-fees"' in page
    assert 'name="post-month" value="2003-04"' in page
