"""Who sees which facility: the one access helper every view uses."""

import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse

from abl.access import facilities_for, get_facility_for_user
from abl.models import Certificate
from abl.models.fees import FeeStatementDocument
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


# --- The API: every operation, generated from abl/api/urls.py, as every role ----------------

API_ROLES = {
    # role → whether it sees `facility` (the other facility is seen by analysts and admins only)
    "borrower_user": True,
    "analyst": True,
    "relationship_manager": True,
    "admin_user": True,
    "other_borrower": False,
    "other_manager": False,
}


KINDS = {
    "facilities": "facility",
    "advances": "advance",
    "certificates": "certificate",
    "fee-statements": "fee_statement",
}


def _api_operations() -> list[tuple[str, str, str]]:
    """(name, object kind, method) for every /api/v1/ pattern with an id, and each method."""
    from rest_framework.views import APIView

    from abl.api.urls import v1

    operations = []
    for pattern in v1:
        if "<int:pk>" not in str(pattern.pattern):
            continue
        kind = KINDS[str(pattern.pattern).split("/")[0]]
        view = pattern.callback.view_class  # type: ignore[attr-defined]
        assert issubclass(view, APIView)
        methods = [m.upper() for m in ("get", "post") if hasattr(view, m)]
        operations += [(pattern.name, kind, method) for method in methods]
    return operations


def test_every_api_operation_is_in_the_matrix():
    names = {name for name, _, _ in _api_operations()}

    assert names == {
        "api_facility",
        "api_facility_status",
        "api_terms",
        "api_advances",
        "api_ledger",
        "api_repayments",
        "api_advance",
        "api_withdraw_advance",
        "api_decide_advance",
        "api_certificates",
        "api_certificate",
        "api_certificate_files",
        "api_certify",
        "api_review",
        "api_certificate_pdf",
        "api_certificate_export",
        "api_certificate_xlsx",
        "api_customers",
        "api_invoices",
        "api_inventory",
        "api_fee_statement",
        "api_fee_statement_pdf",
        "api_fee_statements",
        "api_fee_statement_document",
        "api_financial_statements",
    }


@pytest.fixture
def api_world(facility, borrower_user, analyst, relationship_manager, admin_user):
    from abl.services import loans

    other = FacilityFactory(lender=facility.lender)
    advance = loans.request_advance(
        facility=facility, actor=borrower_user, amount=100, value_date=None, key="matrix"
    )
    people = {
        "borrower_user": borrower_user,
        "analyst": analyst,
        "relationship_manager": relationship_manager,
        "admin_user": admin_user,
        "other_borrower": UserFactory(role="borrower", organisation=other.borrower),
        "other_manager": UserFactory(role="relationship_manager", organisation=facility.lender),
    }
    other.relationship_managers.add(people["other_manager"])
    certificate = Certificate.objects.create(
        facility=facility, as_of=dt.date(2003, 3, 31), created_by=borrower_user
    )
    fee_statement = FeeStatementDocument.objects.create(
        facility=facility,
        period=dt.date(2003, 3, 1),
        state="0" * 64,
        total=0,
        pdf=b"%PDF-",
        sha256="0" * 64,
    )
    return {
        "facility": facility,
        "advance": advance,
        "certificate": certificate,
        "fee_statement": fee_statement,
        "people": people,
    }


@pytest.mark.parametrize("role", API_ROLES)
@pytest.mark.parametrize(("name", "kind", "method"), _api_operations())
def test_api_operation_answers_404_to_whoever_may_not_see_its_object(
    api_world, role, name, kind, method
):
    """Seen: the answer the operation gives (200, or a 400 problem for an empty POST); not
    seen: 404 with nothing of the object in it. Never a 5xx."""
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from tests.abl.api.conftest import token_for

    obj = api_world[kind]
    client = Client(headers={"Authorization": f"Bearer {token_for(api_world['people'][role])}"})
    url = reverse(name, args=[obj.pk])
    with transaction.atomic():
        response = client.post(url, {}) if method == "POST" else client.get(url)
        transaction.set_rollback(True)

    if (
        API_ROLES[role]
        and (name, method) == ("api_certificates", "POST")
        and role != "borrower_user"
    ):
        assert response.status_code == 404  # as the upload page: only the borrower reports
    elif API_ROLES[role] and name in {
        "api_certificate_pdf",
        "api_certificate_export",
        "api_certificate_xlsx",
        "api_customers",
        "api_invoices",
        "api_inventory",
    }:
        assert response.status_code == 404  # a draft has no PDF, figures nor export, for anyone
    elif API_ROLES[role]:
        assert response.status_code in ({200} if method == "GET" else {200, 400})
    else:
        assert response.status_code == 404
        assert str(obj) not in response.content.decode()
        assert api_world["facility"].name not in response.content.decode()
