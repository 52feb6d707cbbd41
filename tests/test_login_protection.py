"""Login protection: django-axes locks a username from one address; the lockout is audited,
an administrator unlocks it, and a good login leaves nothing behind."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.test import Client

from abl.models import AuditEvent
from abl.services.accounts import AccountsError, unlock_login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TWO_PM = dt.datetime(2026, 3, 2, 14, 0, tzinfo=NEW_YORK)
HOME = "203.0.113.10"
ELSEWHERE = "198.51.100.7"
LOCKED = (
    "Too many failed logins for this account; try again after 2026-03-02 15:00 EST "
    "or ask an administrator to unlock it."
)


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 1
    # These tests are about passwords; the second factor has tests of its own.
    settings.ABL_TWO_FACTOR_REQUIRED = False


@pytest.fixture
def clock():
    with time_machine.travel(TWO_PM, tick=False) as traveller:
        yield traveller


def _login(client, username, password, address=HOME):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in_as(client):
    return client.session.get("_auth_user_id")


def _lock(client, username, address=HOME):
    return [_login(client, username, "wrong", address).status_code for _ in range(3)]


def test_login_failures_up_to_the_limit_then_locked(client, clock, borrower_user):
    statuses = _lock(client, borrower_user.username)

    assert statuses == [200, 200, 429]


def test_locked_login_refuses_the_right_password_with_the_lockout_page(
    client, clock, borrower_user
):
    _lock(client, borrower_user.username)

    response = _login(client, borrower_user.username, PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert _logged_in_as(client) is None


def test_lockout_writes_one_audit_event(client, clock, borrower_user):
    _lock(client, borrower_user.username)
    _login(client, borrower_user.username, PASSWORD)
    _login(client, borrower_user.username, "wrong")

    events = list(
        AuditEvent.objects.filter(action="login.locked_out").values(
            "actor", "actor_name", "object_type", "object_id", "summary", "changes"
        )
    )

    assert events == [
        {
            "actor": None,
            "actor_name": "system",
            "object_type": "abl.User",
            "object_id": str(borrower_user.pk),
            "summary": f"Login locked for {borrower_user.username} from {HOME} "
            "after 3 failures, until 15:00",
            "changes": {
                "username": borrower_user.username,
                "ip_address": HOME,
                "failures": 3,
                "until": "2026-03-02T20:00:00+00:00",
            },
        }
    ]


def test_lockout_of_an_unknown_username_does_not_keep_what_was_typed(client, clock):
    _lock(client, "my-Secret-passw0rd")

    event = AuditEvent.objects.get(action="login.locked_out")

    assert (event.object_type, event.object_id) == ("system", "unknown-username")
    assert event.changes["username"] is None
    assert "my-Secret-passw0rd" not in event.summary


def test_lockout_leaves_other_accounts_from_the_same_address_alone(
    client, clock, borrower_user, facility
):
    colleague = UserFactory(role="borrower", organisation=facility.borrower)
    _lock(client, borrower_user.username)

    response = _login(client, colleague.username, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client) == str(colleague.pk)


def test_lockout_leaves_the_same_account_from_another_address_alone(client, clock, borrower_user):
    _lock(client, borrower_user.username, HOME)

    response = _login(client, borrower_user.username, PASSWORD, ELSEWHERE)

    assert response.status_code == 302
    assert _logged_in_as(client) == str(borrower_user.pk)


def test_lock_ends_after_the_cool_off(client, clock, borrower_user):
    _lock(client, borrower_user.username)
    clock.shift(dt.timedelta(hours=1, seconds=1))

    response = _login(client, borrower_user.username, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client) == str(borrower_user.pk)


def test_refused_attempts_while_locked_do_not_push_the_lock_further(client, clock, borrower_user):
    _lock(client, borrower_user.username)
    clock.shift(dt.timedelta(minutes=30))
    _login(client, borrower_user.username, "wrong")
    clock.shift(dt.timedelta(minutes=30, seconds=1))

    response = _login(client, borrower_user.username, PASSWORD)

    assert response.status_code == 302


def test_administrator_sees_and_unlocks_a_lockout(client, clock, borrower_user, admin_user):
    attacker = Client()
    _lock(attacker, borrower_user.username)
    client.force_login(admin_user)

    page = client.get("/people/lockouts/")
    unlocked = client.post(
        "/people/lockouts/unlock/", {"username": borrower_user.username, "ip_address": HOME}
    )
    after = client.get("/people/lockouts/")

    assert page.status_code == 200
    assert [(x.username, x.ip_address, x.failures) for x in page.context["lockouts"]] == [
        (borrower_user.username, HOME, 3)
    ]
    assert unlocked.status_code == 302
    assert unlocked["Location"] == "/people/lockouts/"
    assert after.context["lockouts"] == []
    event = AuditEvent.objects.get(action="login.unlocked")
    assert (event.actor, event.object_id, event.changes) == (
        admin_user,
        str(borrower_user.pk),
        {"username": borrower_user.username, "ip_address": HOME},
    )


def test_after_unlock_the_right_password_works(client, clock, borrower_user, admin_user):
    _lock(client, borrower_user.username)
    unlock_login(actor=admin_user, username=borrower_user.username, ip_address=HOME)

    response = _login(client, borrower_user.username, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client) == str(borrower_user.pk)


def test_unlock_lifts_the_lock_from_that_address_only(client, clock, borrower_user, admin_user):
    _lock(client, borrower_user.username, HOME)
    _lock(client, borrower_user.username, ELSEWHERE)
    unlock_login(actor=admin_user, username=borrower_user.username, ip_address=HOME)

    statuses = [
        _login(Client(), borrower_user.username, PASSWORD, ELSEWHERE).status_code,
        _login(Client(), borrower_user.username, PASSWORD, HOME).status_code,
    ]

    assert statuses == [429, 302]


def test_unlock_of_nothing_locked_is_refused_and_not_audited(admin_user, borrower_user):
    with pytest.raises(AccountsError) as refused:
        unlock_login(actor=admin_user, username=borrower_user.username, ip_address=HOME)

    assert str(refused.value) == (
        f"{borrower_user.username} from {HOME} is not locked out (the lock may have expired)."
    )
    assert AuditEvent.objects.filter(action="login.unlocked").count() == 0


def test_unlock_by_a_non_administrator_is_refused(client, clock, borrower_user, analyst):
    _lock(client, borrower_user.username)

    with pytest.raises(AccountsError) as refused:
        unlock_login(actor=analyst, username=borrower_user.username, ip_address=HOME)

    assert str(refused.value) == "Only an administrator unlocks a login."
    assert AccessAttempt.objects.filter(username=borrower_user.username).count() == 1


@pytest.mark.parametrize("fixture", ["borrower_user", "analyst", "relationship_manager"])
def test_lockout_pages_answer_404_to_everyone_but_administrators(
    client, request, fixture, borrower_user
):
    client.force_login(request.getfixturevalue(fixture))

    statuses = [
        client.get("/people/lockouts/").status_code,
        client.post(
            "/people/lockouts/unlock/", {"username": borrower_user.username, "ip_address": HOME}
        ).status_code,
    ]

    assert statuses == [404, 404]


def test_good_login_leaves_no_axes_rows(client, borrower_user):
    response = _login(client, borrower_user.username, PASSWORD)

    assert response.status_code == 302
    assert (AccessAttempt.objects.count(), AccessLog.objects.count()) == (0, 0)
