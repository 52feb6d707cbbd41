"""People: the audited services and the administrator's pages around them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abl.access import facilities_for
from abl.models import AuditEvent, Organisation, User
from abl.services.people import (
    PeopleError,
    assign_relationship_manager,
    change_role,
    check_membership,
    create_user,
    deactivate_user,
    remove_relationship_manager,
)
from tests.factories import FacilityFactory, OrganisationFactory, UserFactory

BORROWER_ONLY = "A borrower user belongs to a borrower organisation."
BANK_ONLY = (
    "Bank staff (analyst, relationship manager, administrator) belong to a bank organisation."
)
NO_ORGANISATION = "Choose the organisation this person belongs to."
ONLY_ADMIN = "Only an administrator manages people."
PASSWORD = "a-Long-passphrase-4711"

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# The rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "kind", "message"),
    [
        ("borrower", "borrower", None),
        ("analyst", "bank", None),
        ("relationship_manager", "bank", None),
        ("admin", "bank", None),
        ("borrower", "bank", BORROWER_ONLY),
        ("analyst", "borrower", BANK_ONLY),
        ("relationship_manager", "borrower", BANK_ONLY),
        ("admin", "borrower", BANK_ONLY),
        ("borrower", None, NO_ORGANISATION),
        ("admin", None, NO_ORGANISATION),
    ],
)
def test_check_membership_by_role_and_organisation_kind(role, kind, message):
    organisation = Organisation(name="X", kind=kind) if kind else None

    if message is None:
        check_membership(role=role, organisation=organisation)
    else:
        with pytest.raises(PeopleError) as refused:
            check_membership(role=role, organisation=organisation)
        assert str(refused.value) == message
        assert refused.value.field == "organisation"


def test_check_membership_unknown_role_is_a_role_error():
    with pytest.raises(PeopleError) as refused:
        check_membership(role="superhero", organisation=Organisation(kind="bank"))

    assert str(refused.value) == "Unknown role 'superhero'."
    assert refused.value.field == "role"


# create_user ----------------------------------------------------------------


def _create(actor, organisation, *, role="analyst", username="jdoe", password=None):
    return create_user(
        actor=actor,
        username=username,
        first_name="Jane",
        last_name="Doe",
        email="jdoe@example.com",
        role=role,
        organisation=organisation,
        title="Analyst",
        password=password,
    )


def test_create_user_writes_one_audit_event(admin_user, bank):
    user = _create(admin_user, bank)

    event = AuditEvent.objects.get()
    assert (user.role, user.organisation, user.title) == ("analyst", bank, "Analyst")
    assert (event.action, event.actor, event.object_id) == (
        "user.created",
        admin_user,
        str(user.pk),
    )
    assert event.changes == {
        "role": "analyst",
        "organisation": "SouthTrust Bank, N.A.",
        "password": "unusable",
    }


def test_create_user_without_password_cannot_log_in(admin_user, bank):
    assert _create(admin_user, bank).has_usable_password() is False


def test_create_user_with_password_can_log_in(admin_user, bank):
    assert _create(admin_user, bank, password=PASSWORD).check_password(PASSWORD) is True


@pytest.mark.parametrize("actor", ["analyst", "relationship_manager", "borrower_user"])
def test_create_user_refused_to_non_administrator(request, bank, actor):
    with pytest.raises(PeopleError) as refused:
        _create(request.getfixturevalue(actor), bank)

    assert str(refused.value) == ONLY_ADMIN
    assert not User.objects.filter(username="jdoe").exists()
    assert _actions() == []


def test_create_user_refused_to_deactivated_administrator(admin_user, bank):
    admin_user.is_active = False
    admin_user.save()

    with pytest.raises(PeopleError) as refused:
        _create(admin_user, bank)

    assert str(refused.value) == ONLY_ADMIN
    assert _actions() == []


def test_create_user_borrower_in_bank_refused(admin_user, bank):
    with pytest.raises(PeopleError) as refused:
        _create(admin_user, bank, role="borrower")

    assert str(refused.value) == BORROWER_ONLY
    assert not User.objects.filter(username="jdoe").exists()
    assert _actions() == []


def test_create_user_bank_staff_in_borrower_refused(admin_user, facility):
    with pytest.raises(PeopleError) as refused:
        _create(admin_user, facility.borrower, role="relationship_manager")

    assert str(refused.value) == BANK_ONLY
    assert not User.objects.filter(username="jdoe").exists()
    assert _actions() == []


def test_create_user_taken_username_refused_whatever_the_case(admin_user, bank, analyst):
    with pytest.raises(PeopleError) as refused:
        _create(admin_user, bank, username=analyst.username.upper())

    assert str(refused.value) == f"The username '{analyst.username.upper()}' is taken."
    assert _actions() == []


def test_create_user_weak_password_refused_on_password_field(admin_user, bank):
    with pytest.raises(PeopleError) as refused:
        _create(admin_user, bank, password="123")

    assert refused.value.field == "password"
    assert not User.objects.filter(username="jdoe").exists()


# change_role ----------------------------------------------------------------


def test_change_role_writes_one_audit_event(admin_user, analyst, bank):
    change_role(
        actor=admin_user,
        user=analyst,
        role="relationship_manager",
        organisation=bank,
        reason="Moved to coverage",
    )

    analyst.refresh_from_db()
    event = AuditEvent.objects.get()
    assert analyst.role == "relationship_manager"
    assert (event.action, event.object_id) == ("user.role_changed", str(analyst.pk))
    assert event.changes == {
        "role": ["analyst", "relationship_manager"],
        "organisation": ["SouthTrust Bank, N.A.", "SouthTrust Bank, N.A."],
        "left_portfolios": [],
        "reason": "Moved to coverage",
    }


def test_change_role_relationship_manager_leaves_portfolio(
    admin_user, relationship_manager, bank, facility
):
    change_role(
        actor=admin_user, user=relationship_manager, role="analyst", organisation=bank, reason="x"
    )

    assert list(relationship_manager.portfolio.all()) == []
    assert AuditEvent.objects.get().changes["left_portfolios"] == [facility.slug]


def test_change_role_to_other_bank_leaves_only_old_banks_facilities(
    admin_user, relationship_manager, facility
):
    other_bank = OrganisationFactory(name="Other Bank", kind="bank")
    kept = FacilityFactory(lender=other_bank)
    kept.relationship_managers.add(relationship_manager)

    change_role(
        actor=admin_user,
        user=relationship_manager,
        role="relationship_manager",
        organisation=other_bank,
        reason="Joined Other Bank",
    )

    assert list(relationship_manager.portfolio.all()) == [kept]
    assert AuditEvent.objects.get().changes["left_portfolios"] == [facility.slug]


@pytest.mark.parametrize(
    ("role", "kind", "message"),
    [("borrower", "bank", BORROWER_ONLY), ("admin", "borrower", BANK_ONLY)],
)
def test_change_role_bad_combination_refused(admin_user, analyst, facility, role, kind, message):
    organisation = facility.lender if kind == "bank" else facility.borrower

    with pytest.raises(PeopleError) as refused:
        change_role(
            actor=admin_user, user=analyst, role=role, organisation=organisation, reason="x"
        )

    assert str(refused.value) == message

    analyst.refresh_from_db()
    assert (analyst.role, analyst.organisation) == ("analyst", facility.lender)
    assert _actions() == []


def test_change_role_refused_to_non_administrator(analyst, borrower_user, facility):
    with pytest.raises(PeopleError) as refused:
        change_role(
            actor=analyst,
            user=borrower_user,
            role="admin",
            organisation=facility.lender,
            reason="x",
        )

    assert str(refused.value) == ONLY_ADMIN

    borrower_user.refresh_from_db()
    assert borrower_user.role == "borrower"
    assert _actions() == []


def test_change_role_of_oneself_refused(admin_user, bank):
    with pytest.raises(PeopleError) as refused:
        change_role(
            actor=admin_user, user=admin_user, role="analyst", organisation=bank, reason="x"
        )

    assert str(refused.value) == "Another administrator changes your own role."
    assert _actions() == []


def test_change_role_without_reason_refused(admin_user, analyst, bank):
    with pytest.raises(PeopleError) as refused:
        change_role(actor=admin_user, user=analyst, role="admin", organisation=bank, reason=" ")

    assert str(refused.value) == "Say why: a reason is required."
    assert refused.value.field == "reason"
    assert _actions() == []


def test_change_role_to_the_same_refused(admin_user, analyst, bank):
    with pytest.raises(PeopleError) as refused:
        change_role(actor=admin_user, user=analyst, role="analyst", organisation=bank, reason="x")

    assert str(refused.value) == "Nothing to change: that is already the role and organisation."
    assert _actions() == []


# deactivate_user ------------------------------------------------------------


def test_deactivate_user_writes_one_audit_event_and_leaves_portfolios(
    admin_user, relationship_manager, facility
):
    deactivate_user(actor=admin_user, user=relationship_manager, reason="Left the bank")

    relationship_manager.refresh_from_db()
    event = AuditEvent.objects.get()
    assert relationship_manager.is_active is False
    assert list(facility.relationship_managers.all()) == []
    assert event.action == "user.deactivated"
    assert event.changes == {"left_portfolios": [facility.slug], "reason": "Left the bank"}


def test_deactivate_user_refused_to_non_administrator(analyst, borrower_user):
    with pytest.raises(PeopleError) as refused:
        deactivate_user(actor=analyst, user=borrower_user, reason="x")

    assert str(refused.value) == ONLY_ADMIN

    borrower_user.refresh_from_db()
    assert borrower_user.is_active is True
    assert _actions() == []


def test_deactivate_oneself_refused(admin_user):
    with pytest.raises(PeopleError) as refused:
        deactivate_user(actor=admin_user, user=admin_user, reason="x")

    assert str(refused.value) == "You cannot deactivate yourself."
    assert _actions() == []


def test_deactivate_twice_refused(admin_user, analyst):
    deactivate_user(actor=admin_user, user=analyst, reason="Left")

    with pytest.raises(PeopleError) as refused:
        deactivate_user(actor=admin_user, user=analyst, reason="Left")

    assert str(refused.value) == f"{analyst.username} is already deactivated."
    assert _actions() == ["user.deactivated"]


# relationship managers ------------------------------------------------------


@pytest.fixture
def new_rm(bank):
    return UserFactory(role="relationship_manager", organisation=bank)


def test_assign_relationship_manager_writes_one_audit_event_and_opens_the_facility(
    admin_user, facility, new_rm
):
    assign_relationship_manager(actor=admin_user, facility=facility, user=new_rm)

    event = AuditEvent.objects.get()
    assert list(facilities_for(new_rm)) == [facility]
    assert (event.action, event.facility, event.changes) == (
        "facility.rm_assigned",
        facility,
        {"user": new_rm.username},
    )


def test_assign_relationship_manager_of_another_bank_refused(admin_user, facility):
    other = UserFactory(
        role="relationship_manager", organisation=OrganisationFactory(name="Rival", kind="bank")
    )

    with pytest.raises(PeopleError) as refused:
        assign_relationship_manager(actor=admin_user, facility=facility, user=other)
    assert (
        str(refused.value)
        == f"{other.username} does not work for SouthTrust Bank, N.A., the facility's lender."
    )

    assert list(facility.relationship_managers.all()) == []
    assert _actions() == []


@pytest.mark.parametrize("fixture", ["borrower_user", "analyst", "admin_user"])
def test_assign_non_relationship_manager_refused(request, admin_user, facility, fixture):
    user = request.getfixturevalue(fixture)

    with pytest.raises(PeopleError) as refused:
        assign_relationship_manager(actor=admin_user, facility=facility, user=user)
    assert (
        str(refused.value)
        == f"{user.username} is not a relationship manager ({user.get_role_display()})."
    )

    assert list(facility.relationship_managers.all()) == []
    assert _actions() == []


def test_assign_relationship_manager_refused_to_non_administrator(analyst, facility, new_rm):
    with pytest.raises(PeopleError) as refused:
        assign_relationship_manager(actor=analyst, facility=facility, user=new_rm)

    assert str(refused.value) == ONLY_ADMIN
    assert list(facility.relationship_managers.all()) == []
    assert _actions() == []


def test_assign_deactivated_relationship_manager_refused(admin_user, facility, new_rm):
    new_rm.is_active = False
    new_rm.save()

    with pytest.raises(PeopleError) as refused:
        assign_relationship_manager(actor=admin_user, facility=facility, user=new_rm)

    assert str(refused.value) == f"{new_rm.username} is deactivated."
    assert _actions() == []


def test_assign_relationship_manager_twice_refused(admin_user, facility, relationship_manager):
    with pytest.raises(PeopleError) as refused:
        assign_relationship_manager(actor=admin_user, facility=facility, user=relationship_manager)

    assert str(refused.value) == f"{relationship_manager.username} already manages {facility}."
    assert _actions() == []


def test_remove_relationship_manager_writes_one_audit_event_and_closes_the_facility(
    admin_user, facility, relationship_manager
):
    remove_relationship_manager(actor=admin_user, facility=facility, user=relationship_manager)

    event = AuditEvent.objects.get()
    assert list(facilities_for(relationship_manager)) == []
    assert (event.action, event.facility) == ("facility.rm_removed", facility)


def test_remove_relationship_manager_refused_to_non_administrator(
    analyst, facility, relationship_manager
):
    with pytest.raises(PeopleError) as refused:
        remove_relationship_manager(actor=analyst, facility=facility, user=relationship_manager)

    assert str(refused.value) == ONLY_ADMIN
    assert list(facility.relationship_managers.all()) == [relationship_manager]
    assert _actions() == []


def test_remove_relationship_manager_not_on_facility_refused(admin_user, facility, new_rm):
    with pytest.raises(PeopleError) as refused:
        remove_relationship_manager(actor=admin_user, facility=facility, user=new_rm)

    assert str(refused.value) == f"{new_rm.username} does not manage {facility}."
    assert _actions() == []


# the administrator's pages --------------------------------------------------


def _pages(person, facility):
    """Every people page: (method, url)."""
    return [
        ("get", "/people/"),
        ("get", "/people/new/"),
        ("post", "/people/new/"),
        ("get", f"/people/{person.pk}/"),
        ("post", f"/people/{person.pk}/role/"),
        ("post", f"/people/{person.pk}/deactivate/"),
        ("get", f"/facilities/{facility.pk}/relationship-managers/"),
        ("post", f"/facilities/{facility.pk}/relationship-managers/"),
        ("post", f"/facilities/{facility.pk}/relationship-managers/{person.pk}/remove/"),
    ]


@pytest.mark.parametrize("fixture", ["borrower_user", "analyst", "relationship_manager"])
def test_people_pages_answer_404_to_everyone_but_administrators(
    client, request, facility, relationship_manager, fixture
):
    client.force_login(request.getfixturevalue(fixture))

    statuses = {
        (method, url): getattr(client, method)(url).status_code
        for method, url in _pages(relationship_manager, facility)
    }

    assert set(statuses.values()) == {404}
    assert list(facility.relationship_managers.all()) == [relationship_manager]
    assert _actions() == []


def test_people_pages_send_anonymous_visitors_to_login(client, facility, relationship_manager):
    statuses = {
        getattr(client, method)(url).status_code
        for method, url in _pages(relationship_manager, facility)
    }

    assert statuses == {302}


def test_people_pages_answer_200_to_administrator(client, admin_user, facility, analyst):
    client.force_login(admin_user)

    statuses = {
        url: client.get(url).status_code
        for method, url in _pages(analyst, facility)
        if method == "get"
    }

    assert set(statuses.values()) == {200}


def test_people_post_only_pages_refuse_get(client, admin_user, facility, relationship_manager):
    client.force_login(admin_user)

    statuses = [
        client.get(f"/people/{relationship_manager.pk}/role/").status_code,
        client.get(f"/people/{relationship_manager.pk}/deactivate/").status_code,
        client.get(
            f"/facilities/{facility.pk}/relationship-managers/{relationship_manager.pk}/remove/"
        ).status_code,
    ]

    assert statuses == [405, 405, 405]
    assert list(facility.relationship_managers.all()) == [relationship_manager]


def _create_form(organisation, **changes):
    data = {
        "username": "jdoe",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jdoe@example.com",
        "role": "analyst",
        "organisation": str(organisation.pk) if organisation else "",
        "title": "Analyst",
        "password": "",
    }
    return data | changes


def test_administrator_creates_user_on_page(client, admin_user, bank):
    client.force_login(admin_user)

    response = client.post("/people/new/", _create_form(bank))

    user = User.objects.get(username="jdoe")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{user.pk}/"
    assert (user.role, user.organisation, user.has_usable_password()) == ("analyst", bank, False)
    assert _actions() == ["user.created"]


@pytest.mark.parametrize(
    ("role", "kind", "field", "message"),
    [
        ("borrower", "bank", "organisation", BORROWER_ONLY),
        ("analyst", "borrower", "organisation", BANK_ONLY),
        ("admin", None, "organisation", NO_ORGANISATION),
        (
            "superhero",
            "bank",
            "role",
            "Select a valid choice. superhero is not one of the available choices.",
        ),
    ],
)
def test_create_user_page_invalid_input_is_a_field_error(
    client, admin_user, facility, role, kind, field, message
):
    client.force_login(admin_user)
    organisation = {"bank": facility.lender, "borrower": facility.borrower, None: None}[kind]

    response = client.post("/people/new/", _create_form(organisation, role=role))

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(username="jdoe").exists()
    assert _actions() == []


def test_create_user_page_taken_username_is_a_username_error(client, admin_user, bank, analyst):
    client.force_login(admin_user)

    response = client.post("/people/new/", _create_form(bank, username=analyst.username))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": [f"The username '{analyst.username}' is taken."]
    }


def test_administrator_changes_role_on_page(client, admin_user, analyst, bank):
    client.force_login(admin_user)

    response = client.post(
        f"/people/{analyst.pk}/role/",
        {"role": "relationship_manager", "organisation": str(bank.pk), "reason": "Coverage"},
    )

    analyst.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/people/{analyst.pk}/"
    assert analyst.role == "relationship_manager"
    assert _actions() == ["user.role_changed"]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"role": "borrower", "reason": "x"}, {"organisation": [BORROWER_ONLY]}),
        ({"role": "admin", "reason": ""}, {"reason": ["This field is required."]}),
    ],
)
def test_change_role_page_invalid_input_is_a_field_error(
    client, admin_user, analyst, bank, data, errors
):
    client.force_login(admin_user)

    response = client.post(f"/people/{analyst.pk}/role/", data | {"organisation": str(bank.pk)})

    analyst.refresh_from_db()
    assert response.status_code == 400
    assert response.context["role_form"].errors == errors
    assert (analyst.role, analyst.organisation) == ("analyst", bank)
    assert _actions() == []


def test_administrator_deactivates_user_on_page(client, admin_user, analyst):
    client.force_login(admin_user)

    response = client.post(f"/people/{analyst.pk}/deactivate/", {"reason": "Left the bank"})

    analyst.refresh_from_db()
    assert response.status_code == 302
    assert analyst.is_active is False
    assert _actions() == ["user.deactivated"]


def test_deactivate_page_without_reason_is_a_field_error(client, admin_user, analyst):
    client.force_login(admin_user)

    response = client.post(f"/people/{analyst.pk}/deactivate/", {"reason": ""})

    analyst.refresh_from_db()
    assert response.status_code == 400
    assert response.context["deactivate_form"].errors == {"reason": ["This field is required."]}
    assert analyst.is_active is True


def test_administrator_assigns_relationship_manager_on_page(client, admin_user, facility, new_rm):
    client.force_login(admin_user)

    response = client.post(
        f"/facilities/{facility.pk}/relationship-managers/", {"user": str(new_rm.pk)}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/facilities/{facility.pk}/relationship-managers/"
    assert list(facility.relationship_managers.all()) == [new_rm]
    assert _actions() == ["facility.rm_assigned"]


def test_assign_page_offers_only_relationship_managers_of_the_lender(
    client, admin_user, facility, new_rm, analyst, borrower_user, relationship_manager
):
    UserFactory(role="relationship_manager", organisation=OrganisationFactory(kind="bank"))
    client.force_login(admin_user)

    form = client.get(f"/facilities/{facility.pk}/relationship-managers/").context["form"]

    assert list(form.fields["user"].queryset) == [new_rm]


@pytest.mark.parametrize("who", ["other_bank_rm", "borrower_user", "analyst"])
def test_assign_page_refuses_anyone_else_on_the_user_field(
    client, request, admin_user, facility, who
):
    if who == "other_bank_rm":
        person = UserFactory(
            role="relationship_manager", organisation=OrganisationFactory(kind="bank")
        )
    else:
        person = request.getfixturevalue(who)
    client.force_login(admin_user)

    response = client.post(
        f"/facilities/{facility.pk}/relationship-managers/", {"user": str(person.pk)}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "user": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert list(facility.relationship_managers.all()) == []
    assert _actions() == []


def test_administrator_removes_relationship_manager_on_page(
    client, admin_user, facility, relationship_manager
):
    client.force_login(admin_user)

    response = client.post(
        f"/facilities/{facility.pk}/relationship-managers/{relationship_manager.pk}/remove/"
    )

    assert response.status_code == 302
    assert list(facility.relationship_managers.all()) == []
    assert _actions() == ["facility.rm_removed"]


def test_remove_page_for_someone_not_managing_shows_the_message(
    client, admin_user, facility, new_rm
):
    client.force_login(admin_user)

    response = client.post(
        f"/facilities/{facility.pk}/relationship-managers/{new_rm.pk}/remove/", follow=True
    )

    assert response.status_code == 200
    assert f"{new_rm.username} does not manage {facility}." in response.content.decode()
    assert _actions() == []


def test_people_list_queries_do_not_grow_with_people(client, admin_user, bank, facility):
    client.force_login(admin_user)

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/people/").status_code == 200
        return len(captured)

    few = count_queries()
    for _ in range(5):
        rm = UserFactory(role="relationship_manager", organisation=bank)
        FacilityFactory(lender=bank).relationship_managers.add(rm)
        UserFactory(role="borrower")

    assert count_queries() == few


def test_navigation_offers_people_only_to_administrators(client, admin_user, analyst):
    client.force_login(analyst)
    assert 'href="/people/"' not in client.get("/").content.decode()

    client.force_login(admin_user)
    assert 'href="/people/"' in client.get("/").content.decode()


def test_people_pages_answer_below_500_without_debug(
    client, settings, admin_user, facility, relationship_manager, analyst
):
    settings.DEBUG = False
    client.force_login(admin_user)

    statuses = [getattr(client, m)(url).status_code for m, url in _pages(analyst, facility)]
    statuses.append(client.post("/people/new/", _create_form(None, role="superhero")).status_code)
    statuses.append(client.get("/people/999999/").status_code)

    assert max(statuses) < 500


def test_people_pages_show_an_analysts_approval_limit(client, admin_user, bank):
    """§7: the limit kept per bank user, set in the admin, shown on the People pages."""
    from decimal import Decimal

    analyst = UserFactory(role="analyst", organisation=bank, approval_limit=Decimal("5000000"))
    client.force_login(admin_user)

    listed = client.get("/people/").content.decode()
    detail = client.get(f"/people/{analyst.pk}/").content.decode()

    assert '<td class="money">5,000,000.00</td>' in listed
    assert 'data-testid="approval-limit">5,000,000.00 ' in detail
