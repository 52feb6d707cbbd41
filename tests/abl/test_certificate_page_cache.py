"""The certificate page with no form on it is kept in the page cache until the data it shows
changes (abl/views/certificates.py, reporting/services/page_cache.py); a page with forms is
rendered every time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abl.services import certificates, collateral, people
from tests.abl.loans.conftest import AS_OF, submit_certificate
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(innotrac):
    user = UserFactory(role="relationship_manager", organisation=innotrac.lender)
    innotrac.relationship_managers.add(user)
    return user


def _page(client, certificate):
    response = client.get(f"/certificates/{certificate.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    return body[body.index("Borrowing base certificate as of") :]


def _computation_reads(queries) -> int:
    return sum('FROM "abl_computation"' in q["sql"] for q in queries)


def test_a_page_without_forms_is_served_again_without_reading_the_certificate_again(
    client, innotrac, cfo, manager
):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(manager)
    first = _page(client, certificate)

    with CaptureQueriesContext(connection) as again:
        second = _page(client, certificate)

    assert second == first
    assert "Submitted" in second
    assert not any('FROM "abl_certificate"' in q["sql"] for q in again)
    assert _computation_reads(again) == 0


def test_someone_who_may_not_see_it_is_refused_after_it_was_kept(client, innotrac, cfo, manager):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(cfo)
    _page(client, certificate)
    client.force_login(manager)
    _page(client, certificate)
    stranger = UserFactory(role="borrower", organisation=OrganisationFactory(kind="borrower"))
    other_manager = UserFactory(role="relationship_manager", organisation=innotrac.lender)

    for user in (stranger, other_manager):
        client.force_login(user)
        assert client.get(f"/certificates/{certificate.pk}/").status_code == 404


def test_a_manager_taken_off_the_facility_is_refused_at_once(
    client, innotrac, cfo, manager, admin_user
):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(manager)
    _page(client, certificate)

    people.remove_relationship_manager(actor=admin_user, facility=innotrac, user=manager)

    assert client.get(f"/certificates/{certificate.pk}/").status_code == 404


def test_an_audited_change_shows_at_once(client, innotrac, cfo, abl_analyst, manager):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(manager)
    assert 'data-testid="review-note"' not in _page(client, certificate)

    certificates.approve_certificate(certificate=certificate, actor=abl_analyst)

    page = _page(client, certificate)
    assert 'data-testid="review-note"' in page
    assert "Approved by" in page


def test_a_page_with_forms_is_rendered_each_time_with_its_csrf_token(
    client, innotrac, cfo, abl_analyst
):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(abl_analyst)
    _page(client, certificate)

    with CaptureQueriesContext(connection) as again:
        page = _page(client, certificate)

    assert 'data-testid="review-form"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert _computation_reads(again) > 0
    title = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert "<title>Certificate as of 2003-03-31 · ABL Desk</title>" in title


def test_the_borrowers_page_with_forms_is_not_the_managers_cached_part(
    client, innotrac, cfo, manager
):
    """A draft: the relationship manager's page has no form and is kept; the CFO's has forms."""
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    client.force_login(manager)
    assert 'data-testid="replace-form"' not in _page(client, draft)

    client.force_login(cfo)

    assert 'data-testid="replace-form"' in _page(client, draft)
