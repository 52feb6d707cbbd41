"""Logging a test client in as a user who has passed the second factor."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.models import User


def enrolled_device(user: User) -> TOTPDevice:
    """The user's confirmed authenticator app, made if it has none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """What the user's phone shows now (RFC 6238, as django-otp checks it)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def verified_login(client: Client, user: User) -> TOTPDevice:
    """force_login, then mark the session verified by the user's device as django_otp.login does."""
    device = enrolled_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def issued_activation(user: User) -> str:
    """An activation code for `user`, issued as an administrator does (abl.services.people)."""
    from abl.services.people import issue_two_factor_activation
    from tests.factories import OrganisationFactory, UserFactory

    admin = UserFactory(role="admin", organisation=OrganisationFactory(kind="bank"))
    return issue_two_factor_activation(actor=admin, user=user, reason="first set-up")
