"""The certificate page is kept in the page cache until the data it shows changes
(abl/views/certificates.py, reporting/services/page_cache.py), its forms with a placeholder
where each CSRF token goes: each request's own token is put in as the page is served."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abl.services import certificates, collateral, people
from abl.views import certificates as certificate_views
from abl.views.certificates import CSRF_PLACEHOLDER
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


def test_a_page_with_forms_is_kept_and_served_with_the_requests_own_csrf_token(
    client, innotrac, cfo, abl_analyst
):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(abl_analyst)
    first = _page(client, certificate)

    with CaptureQueriesContext(connection) as again:
        page = _page(client, certificate)

    assert 'data-testid="review-form"' in page
    assert _computation_reads(again) == 0
    assert CSRF_PLACEHOLDER not in page
    assert len(_csrf_tokens(page)) == len(_csrf_tokens(first)) > 0
    title = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert "<title>Certificate as of 2003-03-31 · ABL Desk</title>" in title


def test_what_is_kept_holds_no_token_of_anyone(innotrac, cfo, abl_analyst):
    certificate = submit_certificate(innotrac, cfo)

    _, kept = certificate_views._part(abl_analyst, certificate.pk)

    assert set(_csrf_tokens(kept)) == {CSRF_PLACEHOLDER}


def test_a_form_of_a_kept_page_is_accepted_from_another_session(innotrac, cfo, abl_analyst):
    """The part was kept for one session; another session of the same analyst gets it with
    its own token, and its review goes through the CSRF check."""
    certificate = submit_certificate(innotrac, cfo)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(abl_analyst)
    second.force_login(abl_analyst)
    _page(first, certificate)

    token = _csrf_tokens(_page(second, certificate))[0]
    response = second.post(
        f"/certificates/{certificate.pk}/review/",
        {"decision": "approve", "comment": "", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == certificate.Status.APPROVED


def _csrf_tokens(page: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


def test_the_borrowers_page_with_forms_is_not_the_managers_cached_part(
    client, innotrac, cfo, manager
):
    """A draft: the relationship manager's page has no form and is kept; the CFO's has forms."""
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    client.force_login(manager)
    assert 'data-testid="replace-form"' not in _page(client, draft)

    client.force_login(cfo)

    assert 'data-testid="replace-form"' in _page(client, draft)
