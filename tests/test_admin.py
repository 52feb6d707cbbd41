"""The Django admin: adding a user checks role and organisation; the domain is read-only."""

import datetime as dt

import pytest
from django.contrib import admin

from abl.audit import record
from abl.models import (
    AuditEvent,
    Certificate,
    CollateralFile,
    Computation,
    Organisation,
    TermsVersion,
    User,
)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_USER = "/admin/abl/user/add/"
PASSWORD = "a-Long-passphrase-4711"
BORROWER_ONLY = "A borrower user belongs to a borrower organisation."
BANK_ONLY = (
    "Bank staff (analyst, relationship manager, administrator) belong to a bank organisation."
)
NO_ORGANISATION = "Choose the organisation this person belongs to."


def _add_user_data(role: str, organisation: Organisation | None) -> dict[str, str]:
    return {
        "username": "newperson",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "first_name": "New",
        "last_name": "Person",
        "email": "new@example.com",
        "role": role,
        "organisation": str(organisation.pk) if organisation else "",
        "title": "",
    }


@pytest.fixture
def organisations(bank, facility):
    return {"bank": bank, "borrower": facility.borrower, None: None}


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        ("borrower", "borrower"),
        ("analyst", "bank"),
        ("relationship_manager", "bank"),
        ("admin", "bank"),
    ],
)
def test_admin_add_user_valid_combination_creates_user_through_service(
    client, admin_user, organisations, role, kind
):
    client.force_login(admin_user)

    response = client.post(ADD_USER, _add_user_data(role, organisations[kind]))

    created = User.objects.get(username="newperson")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/abl/user/{created.pk}/change/"
    assert (created.role, created.organisation) == (role, organisations[kind])
    assert created.check_password(PASSWORD)
    assert list(AuditEvent.objects.values_list("action", "actor", "object_id")) == [
        ("user.created", admin_user.pk, str(created.pk))
    ]


@pytest.mark.parametrize(
    ("role", "kind", "message"),
    [
        ("borrower", "bank", BORROWER_ONLY),
        ("borrower", None, NO_ORGANISATION),
        ("analyst", "borrower", BANK_ONLY),
        ("analyst", None, NO_ORGANISATION),
        ("relationship_manager", "borrower", BANK_ONLY),
        ("relationship_manager", None, NO_ORGANISATION),
        ("admin", "borrower", BANK_ONLY),
        ("admin", None, NO_ORGANISATION),
    ],
)
def test_admin_add_user_invalid_combination_is_an_organisation_error(
    client, admin_user, organisations, role, kind, message
):
    client.force_login(admin_user)
    users_before = User.objects.count()

    response = client.post(ADD_USER, _add_user_data(role, organisations[kind]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"organisation": [message]}
    assert User.objects.count() == users_before
    assert AuditEvent.objects.count() == 0


def test_admin_add_user_form_asks_role_and_organisation(client, admin_user):
    client.force_login(admin_user)

    form = client.get(ADD_USER).context["adminform"].form

    assert {"role", "organisation", "first_name", "last_name"} <= set(form.fields)


def test_admin_add_user_refused_to_superuser_who_is_not_administrator(client, analyst):
    analyst.is_staff = analyst.is_superuser = True
    analyst.save()
    client.force_login(analyst)

    response = client.post(ADD_USER, _add_user_data("analyst", analyst.organisation))

    assert response.status_code == 403
    assert not User.objects.filter(username="newperson").exists()


def test_admin_user_change_form_keeps_role_organisation_and_active_read_only(
    client, admin_user, analyst, facility
):
    client.force_login(admin_user)

    response = client.post(
        f"/admin/abl/user/{analyst.pk}/change/",
        {
            "username": analyst.username,
            "first_name": "Renamed",
            "last_name": analyst.last_name,
            "email": analyst.email,
            "role": "borrower",
            "organisation": str(facility.borrower.pk),
            "title": "",
            "approval_limit": "5000000.00",
        },
    )

    analyst.refresh_from_db()
    assert response.status_code == 302
    assert (analyst.first_name, analyst.role, analyst.organisation, analyst.is_active) == (
        "Renamed",
        "analyst",
        facility.lender,
        True,
    )


def test_admin_sets_an_analysts_approval_limit_audited(client, admin_user, analyst):
    from decimal import Decimal

    from abl.models import AuditEvent

    client.force_login(admin_user)

    response = client.post(
        f"/admin/abl/user/{analyst.pk}/change/",
        {
            "username": analyst.username,
            "first_name": analyst.first_name,
            "last_name": analyst.last_name,
            "email": analyst.email,
            "title": "",
            "approval_limit": "5000000.00",
        },
    )

    analyst.refresh_from_db()
    event = AuditEvent.objects.filter(action="admin.changed").get()
    assert (response.status_code, analyst.approval_limit) == (302, Decimal("5000000.00"))
    assert event.changes["approval_limit"] == "5000000.00"


def test_admin_user_delete_is_refused(client, admin_user, analyst):
    client.force_login(admin_user)

    response = client.post(f"/admin/abl/user/{analyst.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=analyst.pk).exists()


@pytest.fixture
def domain(facility, admin_user):
    """One object of each domain model in the admin, keyed by its admin URL name."""
    terms = TermsVersion.objects.create(
        facility=facility,
        version=1,
        effective_date=dt.date(2003, 3, 31),
        data={"advance_rates": {"receivables": "0.85"}},
        reason="loaded",
    )
    certificate = Certificate.objects.create(
        facility=facility, as_of=dt.date(2003, 3, 31), created_by=admin_user
    )
    collateral = CollateralFile.objects.create(
        certificate=certificate,
        kind=CollateralFile.Kind.RECEIVABLES,
        original_name="aging.csv",
        sha256="0" * 64,
        size=10,
        uploaded_by=admin_user,
    )
    computation = Computation.objects.create(
        certificate=certificate, terms_version=terms, figures={}, reason="computed"
    )
    event = record(actor=admin_user, action="test.event", summary="Something happened")
    return {
        "organisation": facility.borrower,
        "facility": facility,
        "termsversion": terms,
        "certificate": certificate,
        "collateralfile": collateral,
        "computation": computation,
        "auditevent": event,
    }


MODELS = [
    "organisation",
    "facility",
    "termsversion",
    "certificate",
    "collateralfile",
    "computation",
    "auditevent",
]


def _row(obj):
    return type(obj).objects.filter(pk=obj.pk).values().get()


@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_and_shows_domain_objects(client, admin_user, domain, model):
    client.force_login(admin_user)
    obj = domain[model]

    listing = client.get(f"/admin/abl/{model}/")
    page = client.get(f"/admin/abl/{model}/{obj.pk}/change/")

    assert (listing.status_code, page.status_code) == (200, 200)
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_admin_refuses_to_add_domain_objects(client, admin_user, domain, model):
    client.force_login(admin_user)
    count = type(domain[model]).objects.count()

    assert client.get(f"/admin/abl/{model}/add/").status_code == 403
    assert client.post(f"/admin/abl/{model}/add/", {"name": "New"}).status_code == 403
    assert type(domain[model]).objects.count() == count


@pytest.mark.parametrize("model", MODELS)
def test_admin_refuses_to_change_domain_objects(client, admin_user, domain, model):
    client.force_login(admin_user)
    obj = domain[model]
    before = _row(obj)

    response = client.post(
        f"/admin/abl/{model}/{obj.pk}/change/",
        {
            "name": "Renamed",
            "reason": "changed",
            "data": '{"advance_rates": {"receivables": "0.99"}}',
        },
    )

    assert response.status_code == 403
    assert _row(obj) == before


@pytest.mark.parametrize("model", MODELS)
def test_admin_refuses_to_delete_domain_objects(client, admin_user, domain, model):
    client.force_login(admin_user)
    obj = domain[model]

    assert client.get(f"/admin/abl/{model}/{obj.pk}/delete/").status_code == 403
    assert client.post(f"/admin/abl/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", [*MODELS, "user"])
def test_admin_bulk_delete_action_is_gone(client, admin_user, domain, model):
    client.force_login(admin_user)
    obj = domain.get(model, admin_user)

    listing = client.get(f"/admin/abl/{model}/")
    response = client.post(
        f"/admin/abl/{model}/",
        {"action": "delete_selected", "_selected_action": [str(obj.pk)], "post": "yes"},
    )

    assert "delete_selected" not in listing.content.decode()
    assert response.status_code == 200
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_admin_pages_answer_below_500_without_debug(client, admin_user, domain, settings):
    settings.DEBUG = False
    client.force_login(admin_user)
    urls = [ADD_USER, "/admin/abl/user/", f"/admin/abl/user/{admin_user.pk}/change/"]
    urls += [f"/admin/abl/{model}/{domain[model].pk}/change/" for model in MODELS]

    statuses = {url: client.get(url).status_code for url in urls}
    statuses["bad add"] = client.post(ADD_USER, _add_user_data("analyst", None)).status_code

    assert set(statuses.values()) == {200}


def test_admin_user_changelist_queries_do_not_grow_with_users(client, admin_user, bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/abl/user/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(10):
        UserFactory(role="analyst", organisation=OrganisationFactory(kind="bank"))

    assert queries() == few


def test_admin_offers_no_bulk_delete_for_any_model(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user

    offering = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if "delete_selected" in model_admin.get_actions(request)
    ]

    assert offering == []


def test_admin_deletes_nothing_of_ours(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user

    deletable = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "abl" and model_admin.has_delete_permission(request)
    ]

    assert deletable == []
