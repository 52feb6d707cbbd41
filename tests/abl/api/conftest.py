"""Fixtures for the API: Innotrac with an approved certificate (tests/abl/loans/conftest.py),
each role with a token, and a client that sends it."""

import pytest
from django.test import Client

from abl.models import User
from abl.services.api_tokens import create_api_token
from tests.abl.loans.conftest import TODAY, approve_certificate
from tests.factories import FacilityFactory, UserFactory
from tests.twofactor import enrolled_device


def token_for(user: User, *, read_only: bool = False, days: int = 30) -> str:
    """A token for `user`, made by themselves (a bank user is enrolled first)."""
    if user.is_bank_staff:
        enrolled_device(user)
    return create_api_token(
        user=user, actor=user, name="test", read_only=read_only, days=days
    ).secret


def api_client(user: User, **token: bool) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(user, **token)}"})


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    return TODAY


@pytest.fixture
def approved(innotrac, cfo, abl_analyst):
    return approve_certificate(innotrac, cfo, abl_analyst)


@pytest.fixture
def rm(innotrac):
    user = UserFactory(username="rm", role="relationship_manager", organisation=innotrac.lender)
    innotrac.relationship_managers.add(user)
    return user


@pytest.fixture
def administrator(innotrac):
    return UserFactory(username="admin", role="admin", organisation=innotrac.lender)


@pytest.fixture
def other_facility(innotrac):
    """Another borrower's facility at the same bank, and its CFO."""
    return FacilityFactory(lender=innotrac.lender)


@pytest.fixture
def other_cfo(other_facility):
    return UserFactory(username="other-cfo", role="borrower", organisation=other_facility.borrower)


@pytest.fixture
def second_analyst(innotrac):
    return UserFactory(username="analyst2", role="analyst", organisation=innotrac.lender)
