"""Personal API tokens (§16): made once, stored hashed, expiring, revocable, scoped."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from abl.models import ApiToken, AuditEvent
from abl.services.api_tokens import TokenRefused, create_api_token, revoke_api_token
from tests.abl.api.conftest import api_client, token_for
from tests.twofactor import enrolled_device, verified_login

pytestmark = pytest.mark.django_db

UNKNOWN = {
    "type": "https://abl-desk.invalid/problems/not-signed-in",
    "title": "Not signed in",
    "status": 401,
    "detail": "Unknown, expired or revoked token.",
    "errors": [{"field": None, "message": "Unknown, expired or revoked token."}],
}


def _get(secret: str, url: str = "/api/v1/facilities/"):
    return Client().get(url, headers={"Authorization": f"Bearer {secret}"})


def test_token_is_returned_once_and_only_its_hash_is_stored(cfo):
    made = create_api_token(user=cfo, actor=cfo, name="treasury", read_only=False, days=30)

    token = ApiToken.objects.get()
    assert made.secret.startswith(f"abl_{token.prefix}.")
    assert token.secret_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in str(list(ApiToken.objects.values()))
    event = AuditEvent.objects.get(action="api_token.created")
    assert made.secret not in str(event.changes) + event.summary
    assert event.changes["prefix"] == token.prefix


def test_bank_user_without_two_factor_gets_no_token(abl_analyst):
    with pytest.raises(TokenRefused) as refused:
        create_api_token(user=abl_analyst, actor=abl_analyst, name="x", read_only=True, days=1)

    assert str(refused.value) == (
        "analyst must enrol a second factor (an authenticator app) before an API token is "
        "made: a bank user's token needs two-factor enrolment."
    )
    assert not ApiToken.objects.exists()


def test_bank_user_with_two_factor_gets_a_token(abl_analyst):
    enrolled_device(abl_analyst)

    made = create_api_token(user=abl_analyst, actor=abl_analyst, name="x", days=1)

    assert made.token.user == abl_analyst


def test_nobody_makes_another_persons_token_but_an_administrator(cfo, abl_analyst, administrator):
    with pytest.raises(TokenRefused, match="Only the person or an administrator"):
        create_api_token(user=cfo, actor=abl_analyst, name="x", days=1)

    made = create_api_token(user=cfo, actor=administrator, name="x", days=1)

    assert made.token.created_by == administrator


@pytest.mark.parametrize(("days", "valid"), [(0, False), (1, True), (366, True), (367, False)])
def test_token_lifetime_is_bounded(cfo, days, valid):
    if valid:
        assert create_api_token(user=cfo, actor=cfo, name="x", days=days).token.pk
    else:
        with pytest.raises(TokenRefused, match=r"A token lasts 1 to 366 days\.") as refused:
            create_api_token(user=cfo, actor=cfo, name="x", days=days)
        assert refused.value.field == "days"


def test_a_live_token_signs_in(cfo, innotrac):
    response = _get(token_for(cfo))

    assert response.status_code == 200
    assert [f["id"] for f in response.json()["results"]] == [innotrac.pk]
    assert response["Cache-Control"] == "private, no-store"
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer abl_nothing.nothing", "Bearer ", "Bearer a b", "Bearer \u00e9t\u00e9", "Basic eDp5"],
)
def test_unknown_or_malformed_token_answers_401_problem(innotrac, header):
    response = Client().get("/api/v1/facilities/", headers={"Authorization": header})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_unknown_token_problem_is_exact(innotrac):
    response = _get("abl_00000000.nothing")

    assert response.json() == UNKNOWN


def test_no_token_answers_401_problem(innotrac):
    response = Client().get("/api/v1/facilities/")

    assert response.status_code == 401
    assert response.json()["detail"] == "An API token is required: Authorization: Bearer …"


def test_a_session_is_not_a_token(cfo, innotrac):
    client = Client()
    client.force_login(cfo)

    assert client.get("/api/v1/facilities/").status_code == 401


def test_revoked_token_answers_401(cfo, innotrac):
    secret = token_for(cfo)
    revoke_api_token(token=ApiToken.objects.get(), actor=cfo)

    assert _get(secret).json() == UNKNOWN
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_expired_token_answers_401(cfo, innotrac):
    secret = token_for(cfo, days=1)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, seconds=1)):
        assert _get(secret).status_code == 401


def test_deactivated_users_token_answers_401(cfo, innotrac):
    secret = token_for(cfo)
    cfo.is_active = False
    cfo.save()

    assert _get(secret).status_code == 401


def test_read_only_token_reads_but_may_not_post(cfo, innotrac):
    client = api_client(cfo, read_only=True)

    assert client.get(f"/api/v1/facilities/{innotrac.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/facilities/{innotrac.pk}/advances/",
        {"amount": "1.00"},
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read only: it may not change anything."


def test_throttle_counts_per_token(cfo, innotrac, settings):
    settings.ABL_API_THROTTLE_RATE = "2/minute"
    first, second = api_client(cfo), api_client(cfo)

    statuses = [first.get("/api/v1/facilities/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert second.get("/api/v1/facilities/").status_code == 200


# --- The pages and the command -------------------------------------------------------------


def test_account_page_makes_shows_once_and_revokes_a_token(cfo):
    client = Client()
    client.force_login(cfo)

    made = client.post("/account/api-tokens/", {"name": "treasury", "days": "30"})

    token = ApiToken.objects.get()
    secret = made.context["new_token"].secret
    assert made.status_code == 200
    assert secret in made.content.decode()
    assert secret not in client.get("/account/").content.decode()
    assert f"abl_{token.prefix}" in client.get("/account/").content.decode()
    revoked = client.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_account_page_shows_the_refusal_to_a_bank_user_without_two_factor(
    client, abl_analyst, settings
):
    settings.ABL_TWO_FACTOR_REQUIRED = False  # else the gate sends them to enrol first
    client.force_login(abl_analyst)

    response = client.post("/account/api-tokens/", {"name": "x", "days": "30"})

    assert response.status_code == 400
    assert response.context["token_form"].non_field_errors() == [
        "analyst must enrol a second factor (an authenticator app) before an API token is "
        "made: a bank user's token needs two-factor enrolment."
    ]
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token_from_their_account_page(cfo, other_cfo):
    token_for(other_cfo)
    client = Client()
    client.force_login(cfo)

    response = client.post(f"/account/api-tokens/{ApiToken.objects.get().pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_administrator_makes_and_revokes_a_persons_token(cfo, administrator):
    client = Client()
    verified_login(client, administrator)

    made = client.post(f"/people/{cfo.pk}/api-tokens/", {"name": "erp", "days": "10"})
    token = ApiToken.objects.get()
    revoked = client.post(f"/people/{cfo.pk}/api-tokens/{token.pk}/revoke/")

    assert made.status_code == 200
    assert made.context["new_token"].secret in made.content.decode()
    assert (token.user, token.created_by) == (cfo, administrator)
    assert revoked.status_code == 302
    assert ApiToken.objects.get().revoked_by == administrator


def test_people_token_pages_answer_404_to_everyone_else(cfo, other_cfo):
    client = Client()
    client.force_login(other_cfo)

    assert client.post(f"/people/{cfo.pk}/api-tokens/", {"name": "x"}).status_code == 404
    assert not ApiToken.objects.exists()


def test_command_prints_the_token_once(cfo):
    out = StringIO()

    call_command(
        "create_api_token", "--user", cfo.username, "--read-only", "--days", "7", stdout=out
    )

    token = ApiToken.objects.get()
    secret = out.getvalue().strip()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.read_only is True
    assert token.expires_at - token.created_at == dt.timedelta(days=7)


def test_command_refuses_a_bank_user_without_two_factor(abl_analyst):
    with pytest.raises(CommandError, match="must enrol a second factor"):
        call_command("create_api_token", "--user", abl_analyst.username)


def test_command_names_the_days_argument(cfo):
    with pytest.raises(CommandError, match=r"^--days: A token lasts 1 to 366 days\.$"):
        call_command("create_api_token", "--user", cfo.username, "--days", "0")
