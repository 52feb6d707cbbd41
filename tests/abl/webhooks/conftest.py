"""Innotrac (tests/abl/conftest.py) with a webhook endpoint for its bank, its borrower and
another borrower, all on one real receiver; business date 2003-04-07."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from abl.models import Facility, User, WebhookEndpoint
from abl.webhooks.calc.events import EVENT_TYPES
from abl.webhooks.services import add_endpoint
from tests.abl.webhooks.receiver import Receiver
from tests.factories import FacilityFactory, UserFactory

TODAY = dt.date(2003, 4, 7)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = TODAY.isoformat()
    return TODAY


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def bank_admin(innotrac) -> User:
    return UserFactory(username="bank-admin", role="admin", organisation=innotrac.lender)


@dataclass
class Endpoints:
    bank: WebhookEndpoint
    borrower: WebhookEndpoint
    other_borrower: WebhookEndpoint
    other_facility: Facility
    other_user: User
    secrets: dict[str, str]


@pytest.fixture
def endpoints(innotrac, cfo, bank_admin, receiver, settings) -> Endpoints:
    """Every event, to /bank (Innotrac's lender), /borrower (Innotrac) and /other (a borrower of
    another facility of the same bank). The receiver speaks plain http: added under DEBUG."""
    settings.DEBUG = True
    other_facility = FacilityFactory(lender=innotrac.lender)
    other_user = UserFactory(role="borrower", organisation=other_facility.borrower)
    every = list(EVENT_TYPES)
    made = {
        name: add_endpoint(
            organisation=user.organisation,
            url=receiver.url(f"/{name}"),
            event_types=every,
            actor=user,
        )
        for name, user in [("bank", bank_admin), ("borrower", cfo), ("other", other_user)]
    }
    return Endpoints(
        bank=made["bank"][0],
        borrower=made["borrower"][0],
        other_borrower=made["other"][0],
        other_facility=other_facility,
        other_user=other_user,
        secrets={name: secret for name, (_, secret) in made.items()},
    )
