"""The certificate page is rendered afresh on every request (abl/views/certificates.py): what
it shows is the data as it is now, and each of its forms carries the request's own CSRF
token, put in by the template's csrf_token tag, never by replacing text in the page."""

import re

import pytest
from django.test import Client

from abl.services import certificates, collateral, people
from tests.abl.loans.conftest import AS_OF, submit_certificate
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

# The text a page cache once kept where each CSRF token went, and replaced as it served.
PLACEHOLDER = "csrf-token-of-the-request"


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


def _csrf_tokens(page: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


def test_a_return_comment_is_shown_as_typed_never_as_a_token(client, innotrac, cfo, abl_analyst):
    certificate = submit_certificate(innotrac, cfo)
    comment = f"Resend the aging; quote {PLACEHOLDER} in the subject."
    certificates.return_certificate(certificate=certificate, actor=abl_analyst, comment=comment)
    client.force_login(cfo)

    for _ in range(2):  # the first request and the next
        page = _page(client, certificate)
        (note,) = re.findall(r'data-testid="review-note">(.*?)</div>', page, re.S)
        assert note.endswith(f": {comment}")


def test_a_name_changed_around_the_services_shows_at_once(
    client, innotrac, cfo, abl_analyst, manager
):
    """A person's name changed in the admin's change form (which is not audited)."""
    certificate = submit_certificate(innotrac, cfo)
    certificates.approve_certificate(certificate=certificate, actor=abl_analyst)
    client.force_login(manager)
    assert "Approved by" in _page(client, certificate)

    abl_analyst.first_name, abl_analyst.last_name = "Ada", "Renamed"
    abl_analyst.save()

    assert "Approved by Ada Renamed on" in _page(client, certificate)


def test_someone_who_may_not_see_it_is_refused(client, innotrac, cfo, manager):
    certificate = submit_certificate(innotrac, cfo)
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


def test_a_review_shows_at_once(client, innotrac, cfo, abl_analyst, manager):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(manager)
    assert 'data-testid="review-note"' not in _page(client, certificate)

    certificates.approve_certificate(certificate=certificate, actor=abl_analyst)

    page = _page(client, certificate)
    assert 'data-testid="review-note"' in page
    assert "Approved by" in page


def test_each_session_gets_forms_with_its_own_token_and_they_pass_the_csrf_check(
    innotrac, cfo, abl_analyst
):
    certificate = submit_certificate(innotrac, cfo)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(abl_analyst)
    second.force_login(abl_analyst)
    _page(first, certificate)

    page = _page(second, certificate)
    assert 'data-testid="review-form"' in page
    assert PLACEHOLDER not in page
    response = second.post(
        f"/certificates/{certificate.pk}/review/",
        {"decision": "approve", "comment": "", "csrfmiddlewaretoken": _csrf_tokens(page)[0]},
    )

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == certificate.Status.APPROVED


def test_the_page_has_its_title(client, innotrac, cfo, abl_analyst):
    certificate = submit_certificate(innotrac, cfo)
    client.force_login(abl_analyst)

    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    assert "<title>Certificate as of 2003-03-31 · ABL Desk</title>" in page


def test_the_borrowers_page_has_forms_the_managers_has_not(client, innotrac, cfo, manager):
    """A draft: the relationship manager's page has no form; the CFO's has."""
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    client.force_login(manager)
    assert 'data-testid="replace-form"' not in _page(client, draft)

    client.force_login(cfo)

    assert 'data-testid="replace-form"' in _page(client, draft)
