"""Who sees which facility: the one access helper every view uses."""

import pytest
from django.http import Http404
from django.urls import reverse

from abl.access import facilities_for, get_facility_for_user
from tests.factories import FacilityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_borrower_user_sees_only_own_borrowers_facilities(borrower_user, facility):
    other = FacilityFactory(lender=facility.lender)

    assert list(facilities_for(borrower_user)) == [facility]
    with pytest.raises(Http404):
        get_facility_for_user(borrower_user, other.pk)


def test_relationship_manager_sees_only_portfolio(relationship_manager, facility):
    FacilityFactory(lender=facility.lender)

    assert list(facilities_for(relationship_manager)) == [facility]


def test_analyst_and_admin_see_every_facility(analyst, admin_user, facility):
    other = FacilityFactory(lender=facility.lender)

    assert set(facilities_for(analyst)) == {facility, other}
    assert set(facilities_for(admin_user)) == {facility, other}


def test_inactive_user_sees_nothing(facility):
    user = UserFactory(role="analyst", is_active=False)

    assert list(facilities_for(user)) == []


def test_other_borrowers_facility_page_answers_404(client, borrower_user, facility):
    other = FacilityFactory(lender=facility.lender)
    client.force_login(borrower_user)

    assert client.get(f"/facilities/{facility.pk}/").status_code == 200
    assert client.get(f"/facilities/{other.pk}/").status_code == 404


def test_audit_trail_page_hidden_from_borrower(client, borrower_user, analyst):
    client.force_login(borrower_user)
    assert client.get("/audit/").status_code == 404

    client.force_login(analyst)
    assert client.get("/audit/").status_code == 200


WEBHOOK_PAGES = [
    ("get", "webhook_endpoint"),
    ("post", "deactivate_webhook_endpoint"),
    ("post", "test_webhook_endpoint"),
]


@pytest.mark.parametrize(("method", "name"), WEBHOOK_PAGES)
def test_another_organisations_webhook_endpoint_answers_404(
    client, borrower_user, admin_user, analyst, facility, method, name
):
    from abl.models import WebhookEndpoint

    other = FacilityFactory(lender=facility.lender)
    theirs = WebhookEndpoint.objects.create(
        organisation=other.borrower, url="https://hooks.example.com/", secret="whsec_x"
    )
    banks = WebhookEndpoint.objects.create(
        organisation=facility.lender, url="https://hooks.example.com/", secret="whsec_y"
    )

    answers = {}
    for who, user, endpoint in [
        ("borrower", borrower_user, theirs),
        ("borrower on the bank's", borrower_user, banks),
        ("admin", admin_user, theirs),
        ("analyst", analyst, banks),
    ]:
        client.force_login(user)
        answers[who] = getattr(client, method)(reverse(name, args=[endpoint.pk])).status_code

    assert answers == dict.fromkeys(answers, 404)


def test_another_organisations_webhook_delivery_answers_404(client, borrower_user, facility):
    from abl.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    other = FacilityFactory(lender=facility.lender)
    theirs = WebhookEndpoint.objects.create(
        organisation=other.borrower, url="https://hooks.example.com/", secret="whsec_x"
    )
    delivery = WebhookDelivery.objects.create(
        event=WebhookEvent.objects.create(type="webhook.test"), endpoint=theirs, status="failed"
    )
    client.force_login(borrower_user)

    assert client.post(reverse("retry_webhook_delivery", args=[delivery.pk])).status_code == 404
    assert delivery.status == WebhookDelivery.objects.get(pk=delivery.pk).status


@pytest.mark.parametrize(
    ("who", "status"), [("borrower_user", 200), ("admin_user", 200), ("analyst", 404)]
)
def test_webhooks_page_for_admins_and_borrowers(client, request, who, status):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("webhooks")).status_code == status


def test_an_organisations_facilities_and_a_facilitys_parties_are_one_rule(facility):
    """Webhooks find a facility's endpoints by its parties (organisations_party_to); a borrower's
    users see its facilities by facilities_of_organisation. Read both ways, they agree."""
    from abl.access import facilities_of_organisation, organisations_party_to
    from abl.models import Organisation

    other = FacilityFactory(lender=facility.lender)
    stranger = OrganisationFactory(kind="bank")
    facilities = [facility, other, FacilityFactory(lender=stranger)]

    for organisation in Organisation.objects.all():
        seen = set(facilities_of_organisation(organisation))
        assert {f for f in facilities if organisation.pk in organisations_party_to(f.pk)} == seen
    assert organisations_party_to(facility.pk) == [facility.lender_id, facility.borrower_id]
