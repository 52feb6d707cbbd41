"""`manage.py seed_demo`: the Innotrac facility and one user per role, runnable twice."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abl.models import Facility, User

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
        "njones": "relationship_manager",
        "admin": "admin",
    }
    assert User.objects.get(username="dgamsey").organisation == facility.borrower
    assert list(facility.relationship_managers.values_list("username", flat=True)) == ["njones"]
    assert User.objects.get(username="admin").check_password("abl-desk-demo")
    assert "dgamsey" in out.getvalue()


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
