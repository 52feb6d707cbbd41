"""Two-factor authentication: bank staff pass a second factor before any page; borrowers may.

Run with ABL_TWO_FACTOR_REQUIRED on, as production runs, whatever the test settings say.
"""

import datetime as dt
from base64 import b32encode

import pytest
import time_machine
from django.urls import URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.models import AuditEvent
from tests.twofactor import current_code, enrolled_device, issued_activation, verified_login

pytestmark = pytest.mark.django_db

BANK_ROLES = ["analyst", "relationship_manager", "admin_user"]


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.ABL_TWO_FACTOR_REQUIRED = True


def _pages(facility) -> list[str]:
    return [
        reverse("home"),
        reverse("facility_list"),
        reverse("facility_detail", args=[facility.pk]),
        reverse("certificate_list", args=[facility.pk]),
        reverse("review_queue"),
        reverse("audit_list"),
        reverse("people_list"),
        reverse("admin:index"),
        reverse("login"),
    ]


def _to(page: str, next_url: str) -> str:
    return f"{reverse(page)}?{urlencode({'next': next_url})}"


def _enrol(client, activation: str = "") -> tuple[TOTPDevice, list[str]]:
    """Through the page, as a person would: open it, read the key, type the app's code
    (and, bank staff, the activation code their administrator issued)."""
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(
        reverse("two_factor"), {"code": current_code(device), "activation": activation}
    )
    assert response.status_code == 200
    return TOTPDevice.objects.get(pk=device.pk), response.context["codes"]


@pytest.mark.parametrize("role", BANK_ROLES)
def test_bank_user_without_device_is_sent_to_enrolment_from_every_page(
    client, request, facility, role
):
    client.force_login(request.getfixturevalue(role))

    answered = {url: client.get(url) for url in _pages(facility)}

    assert {url: r.status_code for url, r in answered.items()} == dict.fromkeys(answered, 302)
    assert {url: r["Location"] for url, r in answered.items()} == {
        url: _to("two_factor", url) for url in answered
    }


def _every_url() -> list[str]:
    """One URL per pattern of config/urls.py (ids that need not exist: the gate answers first)."""

    def walk(patterns, prefix: str = "") -> list[str]:
        urls = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                urls += walk(pattern.url_patterns, space)
            elif pattern.name:
                converters = pattern.pattern.converters
                values = {  # Django admin's app_list is a regex of the app labels
                    name: 1 if isinstance(converters.get(name), IntConverter) else "x"
                    for name in pattern.pattern.regex.groupindex
                } | ({"app_label": "abl"} if pattern.name == "app_list" else {})
                urls.append(reverse(prefix + pattern.name, kwargs=values))
        return urls

    return sorted(set(walk(get_resolver().url_patterns)))


def test_bank_user_without_device_reaches_no_page_but_enrolment(client, analyst):
    client.force_login(analyst)
    urls = _every_url()

    answered = {url: client.get(url) for url in urls}

    open_pages = {reverse("two_factor"): 200, reverse("logout"): 405}
    assert len(urls) > 60  # every pattern, Django admin's too
    assert {url: r.status_code for url, r in answered.items()} == {
        url: open_pages.get(url, 302) for url in urls
    }
    assert {
        url: r["Location"].split("?")[0] for url, r in answered.items() if url not in open_pages
    } == {url: reverse("two_factor") for url in urls if url not in open_pages}


@pytest.mark.parametrize("role", BANK_ROLES)
def test_bank_user_without_device_reaches_enrolment_and_logout(client, request, role):
    client.force_login(request.getfixturevalue(role))

    enrolment = client.get(reverse("two_factor"))
    logout = client.post(reverse("logout"))

    assert enrolment.status_code == 200
    assert (
        "The bank asks every member of its staff for a second factor" in enrolment.content.decode()
    )
    assert (logout.status_code, logout["Location"]) == (302, reverse("login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", BANK_ROLES)
def test_bank_user_after_enrolling_reaches_pages(client, request, facility, role):
    user = request.getfixturevalue(role)
    facility.relationship_managers.add(user)
    client.force_login(user)

    device, codes = _enrol(client, issued_activation(user))

    assert device.confirmed
    assert len(codes) == 10
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("facility_detail", args=[facility.pk])).status_code == 200


def test_enrolment_shows_the_pending_device_key_and_its_qr_code_as_svg(client, analyst):
    client.force_login(analyst)

    first = client.get(reverse("two_factor"))
    again = client.get(reverse("two_factor"))

    device = TOTPDevice.objects.get(user=analyst)
    assert device.confirmed is False
    assert first.context["secret"] == b32encode(device.bin_key).decode()
    assert again.context["secret"] == first.context["secret"]
    page = first.content.decode()
    assert f'data-testid="two-factor-secret">{first.context["secret"]}</code>' in page
    qr = page.split('data-testid="two-factor-qr">', 1)[1].split("</div>", 1)[0]
    assert qr.startswith('<svg width="')
    assert qr.endswith("</svg>")
    assert "<script" not in qr
    assert "otpauth://" in device.config_url  # what the QR code encodes
    assert "issuer=ABL%20Desk" in device.config_url


def test_enrolment_is_audited(client, analyst):
    client.force_login(analyst)

    _enrol(client, issued_activation(analyst))

    event = AuditEvent.objects.get(action="two_factor.enrolled")
    assert (event.actor, event.object_type, event.object_id) == (
        analyst,
        "abl.User",
        str(analyst.pk),
    )
    assert event.summary == "Enrolled an authenticator app and 10 backup codes"


def test_enrolment_refuses_a_wrong_code_and_counts_it(client, analyst):
    activation = issued_activation(analyst)
    client.force_login(analyst)
    client.get(reverse("two_factor"))

    response = client.post(reverse("two_factor"), {"code": "000000", "activation": activation})

    device = TOTPDevice.objects.get(user=analyst)
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert (device.confirmed, device.throttling_failure_count) == (False, 1)
    assert StaticDevice.objects.filter(user=analyst).count() == 0
    assert AuditEvent.objects.filter(action="two_factor.enrolled").count() == 0
    assert client.get(reverse("home"))["Location"] == _to("two_factor", "/")


@pytest.mark.parametrize("role", ["analyst", "borrower_user"])
def test_enrolled_user_with_unverified_session_is_sent_to_verify(client, request, facility, role):
    user = request.getfixturevalue(role)
    enrolled_device(user)
    client.force_login(user)
    url = reverse("facility_detail", args=[facility.pk])

    response = client.get(url)

    assert response["Location"] == _to("two_factor_verify", url)


def test_enrolled_user_with_unverified_session_cannot_enrol_another_app(client, analyst):
    """A stolen password must not let its holder swap the app for one of their own."""
    device = enrolled_device(analyst)
    client.force_login(analyst)

    page = client.get(reverse("two_factor"))
    posted = client.post(reverse("two_factor"), {"code": "123456"})

    assert page["Location"] == reverse("two_factor_verify")
    assert posted["Location"] == reverse("two_factor_verify")
    assert list(TOTPDevice.objects.filter(user=analyst)) == [device]


def test_code_from_the_app_verifies_the_session_and_goes_on(client, analyst):
    device = enrolled_device(analyst)
    client.force_login(analyst)

    response = client.post(
        reverse("two_factor_verify"), {"code": current_code(device), "next": "/reviews/"}
    )

    assert (response.status_code, response["Location"]) == (302, "/reviews/")
    assert client.get(reverse("review_queue")).status_code == 200


def test_verify_ignores_a_next_page_on_another_site(client, analyst):
    device = enrolled_device(analyst)
    client.force_login(analyst)

    response = client.post(
        reverse("two_factor_verify"),
        {"code": current_code(device), "next": "https://evil.example/"},
    )

    assert response["Location"] == "/"


def test_wrong_code_is_refused_with_a_message_and_counted(client, analyst):
    device = enrolled_device(analyst)
    client.force_login(analyst)

    response = client.post(reverse("two_factor_verify"), {"code": "12345"})

    device.refresh_from_db()
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert device.throttling_failure_count == 1
    assert client.get(reverse("home"))["Location"] == _to("two_factor_verify", "/")


def test_right_code_right_after_a_wrong_one_must_wait(client, analyst):
    """django-otp's throttling stays on: 1, 2, 4 … seconds after each wrong code."""
    device = enrolled_device(analyst)
    client.force_login(analyst)
    client.post(reverse("two_factor_verify"), {"code": "000000"})

    too_soon = client.post(reverse("two_factor_verify"), {"code": current_code(device)})
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=2)):
        later = client.post(reverse("two_factor_verify"), {"code": current_code(device)})

    assert too_soon.status_code == 200
    assert "Too many wrong codes: wait 1 second and try again." in too_soon.content.decode()
    assert later.status_code == 302


def test_backup_code_works_once(client, django_user_model, analyst):
    client.force_login(analyst)
    _, codes = _enrol(client, issued_activation(analyst))
    client.post(reverse("logout"))

    client.force_login(analyst)
    first = client.post(reverse("two_factor_verify"), {"code": codes[0].upper()})
    client.post(reverse("logout"))
    client.force_login(analyst)
    again = client.post(reverse("two_factor_verify"), {"code": codes[0]})

    assert first.status_code == 302
    assert again.status_code == 200
    assert "That code is not right" in again.content.decode()
    assert StaticDevice.objects.get(user=analyst).token_set.count() == 9


def test_borrower_without_device_reaches_pages(client, borrower_user, facility):
    client.force_login(borrower_user)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("facility_detail", args=[facility.pk])).status_code == 200


def test_borrower_may_enrol(client, borrower_user):
    client.force_login(borrower_user)

    page = client.get(reverse("two_factor"))
    device, codes = _enrol(client)

    assert "You may add a second factor" in page.content.decode()
    assert (device.user, device.confirmed, len(codes)) == (borrower_user, True, 10)
    assert client.get(reverse("home")).status_code == 200


def test_enrolled_and_verified_user_sees_the_state_of_the_factor(client, analyst):
    verified_login(client, analyst)

    page = client.get(reverse("two_factor"))
    verify = client.get(reverse("two_factor_verify") + "?next=/reviews/")

    assert page.status_code == 200
    assert "Two-factor authentication is on" in page.content.decode()
    assert (verify.status_code, verify["Location"]) == (302, "/reviews/")


def test_verify_sends_a_bank_user_without_device_to_enrolment(client, analyst):
    client.force_login(analyst)

    assert client.get(reverse("two_factor_verify"))["Location"] == reverse("two_factor")


def test_static_files_stay_open_to_an_unverified_bank_user(client, analyst):
    client.force_login(analyst)

    response = client.get("/static/css/abl.css")

    assert response.status_code != 302


def test_setting_off_forces_nobody(client, settings, analyst):
    settings.ABL_TWO_FACTOR_REQUIRED = False
    enrolled_device(analyst)
    client.force_login(analyst)

    assert client.get(reverse("home")).status_code == 200


def test_anonymous_user_is_asked_to_log_in_not_for_a_code(client):
    response = client.get(reverse("two_factor_verify"))

    assert response["Location"] == f"{reverse('login')}?next={reverse('two_factor_verify')}"
