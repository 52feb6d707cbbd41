"""A bank user enrols a second factor only with a one-time activation code an administrator
issued: the password alone does not let its holder choose the bank user's second factor."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.models import AuditEvent, TwoFactorActivation
from abl.services.people import PeopleError, issue_two_factor_activation
from tests.twofactor import current_code, enrolled_device, issued_activation, verified_login

pytestmark = pytest.mark.django_db

REFUSED = (
    "That activation code is not right, was used already or has expired: "
    "ask an administrator for a new one."
)


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.ABL_TWO_FACTOR_REQUIRED = True
    settings.ABL_TWO_FACTOR_ACTIVATION_HOURS = 72


def _try_enrol(client, activation: str):
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(confirmed=False)
    return client.post(
        reverse("two_factor"), {"code": current_code(device), "activation": activation}
    )


def _not_enrolled(user) -> bool:
    return (
        not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        and not StaticDevice.objects.filter(user=user).exists()
        and not AuditEvent.objects.filter(action="two_factor.enrolled").exists()
    )


def _refused(response, user) -> bool:
    return (
        response.status_code == 200 and REFUSED in response.content.decode() and _not_enrolled(user)
    )


def test_bank_user_with_only_the_password_cannot_enrol(client, analyst):
    client.force_login(analyst)

    response = _try_enrol(client, "")

    assert response.status_code == 200
    assert response.context["form"].errors == {"activation": ["This field is required."]}
    assert _not_enrolled(analyst)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor"))


def test_the_service_refuses_a_bank_user_without_a_code(analyst):
    from abl.services.twofactor import TwoFactorError, enrol_second_factor, pending_device

    device = pending_device(user=analyst)

    with pytest.raises(TwoFactorError, match="That activation code is not right"):
        enrol_second_factor(user=analyst, device=device, code=current_code(device))

    assert _not_enrolled(analyst)


def test_bank_user_with_a_made_up_activation_code_cannot_enrol(client, analyst):
    issued_activation(analyst)
    client.force_login(analyst)

    response = _try_enrol(client, "ABCD-EFGH-JKLM-NPQR")

    assert _refused(response, analyst)


def test_bank_user_enrols_with_the_issued_code_typed_loosely(client, analyst):
    code = issued_activation(analyst)
    client.force_login(analyst)

    response = _try_enrol(client, f" {code.lower().replace('-', ' ')} ")

    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert TOTPDevice.objects.get(user=analyst).confirmed is True
    assert TwoFactorActivation.objects.get(user=analyst).used_at is not None
    event = AuditEvent.objects.get(action="two_factor.enrolled")
    assert event.changes == {"activation_code": "used"}


def test_an_activation_code_works_once(client, analyst):
    code = issued_activation(analyst)
    client.force_login(analyst)
    _try_enrol(client, code)
    TOTPDevice.objects.filter(user=analyst).delete()  # the app gone, by whatever way
    StaticDevice.objects.filter(user=analyst).delete()

    again = _try_enrol(client, code)

    assert again.status_code == 200
    assert REFUSED in again.content.decode()
    assert not TOTPDevice.objects.filter(user=analyst, confirmed=True).exists()


def test_an_activation_code_expires(client, analyst):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=72, seconds=1)):
        code = issued_activation(analyst)
    client.force_login(analyst)

    response = _try_enrol(client, code)

    assert _refused(response, analyst)


def test_a_new_code_replaces_the_one_issued_before(client, analyst):
    first = issued_activation(analyst)
    issued_activation(analyst)
    client.force_login(analyst)

    response = _try_enrol(client, first)

    assert _refused(response, analyst)


def test_only_the_codes_hash_is_stored(analyst, admin_user):
    code = issue_two_factor_activation(actor=admin_user, user=analyst, reason="new phone")

    stored = TwoFactorActivation.objects.get(user=analyst)
    assert stored.code_hash == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert code.replace("-", "") not in str(
        TwoFactorActivation.objects.filter(pk=stored.pk).values().get()
    )
    assert code not in str(AuditEvent.objects.values().get())
    assert (stored.issued_by, stored.used_at) == (admin_user, None)
    assert stored.expires_at - stored.issued_at == dt.timedelta(hours=72)


def test_a_borrower_enrols_without_a_code(client, borrower_user):
    client.force_login(borrower_user)

    page = client.get(reverse("two_factor"))
    response = _try_enrol(client, "")

    assert "activation" not in page.context["form"].fields
    assert response.status_code == 200
    assert TOTPDevice.objects.get(user=borrower_user).confirmed is True


def test_enrolment_page_asks_a_bank_user_for_the_activation_code(client, analyst):
    client.force_login(analyst)

    page = client.get(reverse("two_factor"))

    assert list(page.context["form"].fields) == ["activation", "code"]
    assert 'data-testid="two-factor-activation-note"' in page.content.decode()


def test_administrator_issues_a_code_on_the_person_page_and_it_is_audited(
    client, admin_user, analyst
):
    enrolled_device(analyst)
    verified_login(client, admin_user)

    response = client.post(
        reverse("issue_two_factor_activation", args=[analyst.pk]), {"reason": "lost phone"}
    )

    assert response.status_code == 200
    code = response.context["activation_code"]
    assert f"<code>{code}</code>" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=analyst).exists()  # the lost phone no longer works
    event = AuditEvent.objects.get(action="two_factor.activation_issued")
    assert (event.actor, event.object_id) == (admin_user, str(analyst.pk))
    assert event.changes["reason"] == "lost phone"
    assert event.changes["devices_removed"] == 1


def test_issuing_a_code_needs_a_reason_and_changes_nothing_without(client, admin_user, analyst):
    verified_login(client, admin_user)

    response = client.post(reverse("issue_two_factor_activation", args=[analyst.pk]), {})

    assert response.status_code == 400
    assert response.context["activation_form"].errors == {"reason": ["This field is required."]}
    assert not TwoFactorActivation.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "relationship_manager", "borrower_user"])
def test_only_an_administrator_issues_codes(client, request, role, analyst):
    user = request.getfixturevalue(role)
    if user.is_bank_staff:
        verified_login(client, user)
    else:
        client.force_login(user)

    response = client.post(
        reverse("issue_two_factor_activation", args=[analyst.pk]), {"reason": "x"}
    )

    assert response.status_code == 404
    assert not TwoFactorActivation.objects.exists()


def test_the_service_refuses_a_non_administrator(analyst, relationship_manager):
    with pytest.raises(PeopleError, match="Only an administrator manages people"):
        issue_two_factor_activation(actor=relationship_manager, user=analyst, reason="x")

    assert not TwoFactorActivation.objects.exists()


def test_command_issues_a_code_that_enrols(client, admin_user, analyst):
    out = StringIO()

    call_command(
        "issue_two_factor_activation",
        analyst.username,
        by=admin_user.username,
        reason="new",
        stdout=out,
    )

    code = out.getvalue().strip().rsplit(" ", 1)[1]
    assert out.getvalue() == f"Activation code for {analyst.username}: {code}\n"
    client.force_login(analyst)
    assert _try_enrol(client, code).status_code == 200
    assert TOTPDevice.objects.get(user=analyst).confirmed is True


def test_command_refuses_a_non_administrator(analyst):
    with pytest.raises(CommandError, match="Only an administrator manages people"):
        call_command(
            "issue_two_factor_activation", analyst.username, by=analyst.username, reason="x"
        )
