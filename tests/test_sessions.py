"""Sessions: a new key at login, an idle timeout, and logging out everywhere."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client

from abl.models import AuditEvent
from abl.services.accounts import AccountsError, end_sessions
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # These tests are about sessions; the second factor has tests of its own.
    settings.ABL_TWO_FACTOR_REQUIRED = False


def _session_key(client):
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _audit(action):
    return list(
        AuditEvent.objects.filter(action=action).values("actor", "object_id", "summary", "changes")
    )


def test_login_gives_a_new_session_key_and_forgets_the_old_one(client, borrower_user):
    before = client.session
    before["seen"] = True
    before.save()
    old_key = _session_key(client)

    response = client.post("/login/", {"username": borrower_user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert _session_key(client) != old_key
    assert Session.objects.filter(session_key=old_key).exists() is False
    assert client.session["_auth_user_id"] == str(borrower_user.pk)


def test_session_idle_past_the_timeout_is_logged_out(client, borrower_user):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(borrower_user)
        first = client.get("/account/")
        clock.shift(dt.timedelta(seconds=django_settings.SESSION_IDLE_TIMEOUT + 1))

        idle = client.get("/account/")

    assert first.status_code == 200
    assert idle.status_code == 302
    assert idle["Location"] == "/login/?next=/account/"


def test_session_in_use_outlives_the_timeout(client, borrower_user):
    step = dt.timedelta(seconds=django_settings.SESSION_IDLE_TIMEOUT - 60)
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(borrower_user)
        statuses = []
        for _ in range(4):
            clock.shift(step)
            statuses.append(client.get("/account/").status_code)

    assert statuses == [200, 200, 200, 200]


def test_idle_timeout_sets_the_session_age():
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_IDLE_TIMEOUT


def _expiry(client):
    return Session.objects.get(session_key=_session_key(client)).expire_date


def test_a_request_within_the_refresh_interval_does_not_write_the_session(client, borrower_user):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(borrower_user)  # saves the session
        saved = _expiry(client)
        clock.shift(dt.timedelta(seconds=django_settings.SESSION_REFRESH_INTERVAL - 1))

        client.get("/account/")

        assert _expiry(client) == saved
        clock.shift(dt.timedelta(seconds=1))
        client.get("/account/")
        assert _expiry(client) == saved + dt.timedelta(
            seconds=django_settings.SESSION_REFRESH_INTERVAL
        )


def test_a_session_idle_for_the_timeout_after_its_last_save_ends_even_if_used_since(
    client, borrower_user
):
    interval = dt.timedelta(seconds=django_settings.SESSION_REFRESH_INTERVAL)
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(borrower_user)  # saved
        clock.shift(interval / 2)
        client.get("/account/")  # not saved: the last save is too recent
        clock.shift(dt.timedelta(seconds=django_settings.SESSION_IDLE_TIMEOUT) - interval / 2)

        after = client.get("/account/")

    assert after.status_code == 302


def test_a_stale_cookie_starts_no_session(client):
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "no-such-session-key-at-all-here"

    client.get("/login/")

    assert Session.objects.count() == 0


def test_log_out_everywhere_ends_the_other_session_and_keeps_this_one(client, borrower_user):
    other = Client()
    client.force_login(borrower_user)
    other.force_login(borrower_user)

    response = client.post("/account/sessions/end/")

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert other.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 200
    assert _audit("user.sessions_ended") == [
        {
            "actor": borrower_user.pk,
            "object_id": str(borrower_user.pk),
            "summary": f"{borrower_user.username} logged out everywhere",
            "changes": {"session_generation": [0, 1]},
        }
    ]


def test_log_out_everywhere_refuses_get(client, borrower_user):
    client.force_login(borrower_user)

    assert client.get("/account/sessions/end/").status_code == 405


def test_administrator_ends_every_session_of_a_person(client, admin_user, borrower_user):
    theirs = Client()
    theirs.force_login(borrower_user)
    client.force_login(admin_user)

    response = client.post(f"/people/{borrower_user.pk}/sessions/end/")

    assert response.status_code == 302
    assert response["Location"] == f"/people/{borrower_user.pk}/"
    assert theirs.get("/account/").status_code == 302
    assert client.get("/account/").status_code == 200
    assert _audit("user.sessions_ended") == [
        {
            "actor": admin_user.pk,
            "object_id": str(borrower_user.pk),
            "summary": f"{admin_user.username} ended every session of {borrower_user.username}",
            "changes": {"session_generation": [0, 1]},
        }
    ]


@pytest.mark.parametrize("fixture", ["borrower_user", "analyst", "relationship_manager"])
def test_ending_another_persons_sessions_answers_404_to_non_administrators(
    client, request, fixture, admin_user
):
    client.force_login(request.getfixturevalue(fixture))

    response = client.post(f"/people/{admin_user.pk}/sessions/end/")

    assert response.status_code == 404
    assert _audit("user.sessions_ended") == []


def test_end_sessions_of_another_person_refused_to_a_non_administrator(analyst, borrower_user):
    with pytest.raises(AccountsError) as refused:
        end_sessions(actor=analyst, user=borrower_user)

    assert str(refused.value) == "Only an administrator ends another person's sessions."
    borrower_user.refresh_from_db()
    assert borrower_user.session_generation == 0


def test_account_page_is_linked_from_every_page(client, borrower_user):
    client.force_login(borrower_user)

    page = client.get("/").content.decode()

    assert 'href="/account/" data-testid="account-link"' in page


def test_a_deactivated_users_session_is_refused(client, analyst):
    client.force_login(analyst)
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])

    assert client.get("/account/").status_code == 302  # to the login page
