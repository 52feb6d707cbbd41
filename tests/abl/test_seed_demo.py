"""`manage.py seed_demo`: the Innotrac facility and one user per role, runnable twice."""

import datetime as dt
from base64 import b32encode
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.models import BaseRate, ChecklistItem, Facility, LedgerEntry, User
from tests.twofactor import current_code

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_facility_and_a_user_per_role(settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    facility = Facility.objects.get(slug="innotrac-2003")
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "dgamsey": "borrower",
        "abl.analyst": "analyst",
        "abl.analyst2": "analyst",
        "njones": "relationship_manager",
        "admin": "admin",
    }
    assert User.objects.get(username="dgamsey").organisation == facility.borrower
    limits = dict(User.objects.filter(role="analyst").values_list("username", "approval_limit"))
    assert limits == {"abl.analyst": Decimal("5000000.00"), "abl.analyst2": Decimal("25000000.00")}
    assert list(facility.relationship_managers.values_list("username", flat=True)) == ["njones"]
    assert User.objects.get(username="admin").check_password("abl-desk-demo")
    assert "dgamsey" in out.getvalue()
    # The ledger opens once, with the outstanding the samples' certificate reports.
    ledger = LedgerEntry.objects.filter(facility=facility)
    assert list(ledger.values_list("kind", "value_date", "amount")) == [
        ("opening", dt.date(2003, 3, 1), Decimal("5000000.00"))
    ]
    assert ledger.balance_on(dt.date(2003, 3, 31)) == Decimal("5000000.00")
    # The bank's checklist for the amended loan documents, once.
    assert list(ChecklistItem.objects.filter(facility=facility).values_list("title", "status")) == [
        ("Amended loan agreement, signed", "requested"),
        ("BellSouth's consent", "requested"),
        ("The acknowledged letter", "requested"),
    ]
    # Prime for the fee ledger's interest, set once.
    assert list(BaseRate.objects.values_list("name", "effective_date", "rate")) == [
        ("prime", dt.date(2002, 11, 7), Decimal("0.042500"))
    ]


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("seed_demo")


def test_seed_demo_prints_the_business_date(settings):
    settings.DEBUG = True
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "Business date: 2003-04-07\n" in out.getvalue()


def test_seed_demo_prints_the_sites_own_address(settings):
    """`PORT=9000 make demo` serves on 9000: the login it prints must say so (SITE_URL)."""
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:9000"
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert "Log in at http://127.0.0.1:9000/login/ as any of:" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_seed_demo_enrols_the_bank_users_with_printed_keys(settings):
    settings.DEBUG = True
    settings.ABL_TWO_FACTOR_REQUIRED = True
    out = StringIO()

    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())

    devices = {d.user.username: d for d in TOTPDevice.objects.select_related("user")}
    assert sorted(devices) == ["abl.analyst", "abl.analyst2", "admin", "njones"]
    assert all(d.confirmed for d in devices.values())
    analyst_key = b32encode(devices["abl.analyst"].bin_key).decode()
    assert f"  abl.analyst  {analyst_key}\n" in out.getvalue()
    assert "manage.py totp_code abl.analyst" in out.getvalue()
    assert "manage.py issue_two_factor_activation USERNAME --by admin" in out.getvalue()


def test_seed_demo_bank_users_need_no_activation_code(settings):
    from abl.models import User
    from abl.services.twofactor import needs_activation

    settings.DEBUG = True
    settings.ABL_TWO_FACTOR_REQUIRED = True
    call_command("seed_demo", stdout=StringIO())

    bank_users = User.objects.filter(role__in=["analyst", "relationship_manager", "admin"])
    assert {u.username: needs_activation(u) for u in bank_users} == {
        "abl.analyst": False,
        "abl.analyst2": False,
        "admin": False,
        "njones": False,
    }


def test_totp_code_prints_the_code_the_demo_app_shows(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    device = TOTPDevice.objects.get(user__username="njones")
    out = StringIO()

    with time_machine.travel(dt.datetime(2003, 4, 7, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        call_command("totp_code", "njones", stdout=out)
        expected = current_code(device)

    assert out.getvalue() == f"{expected}   (for 25 more seconds)\n"


def test_totp_code_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("totp_code", "njones")


def test_totp_code_refuses_a_user_without_an_app(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    with pytest.raises(CommandError, match="'dgamsey' has no authenticator app"):
        call_command("totp_code", "dgamsey")
