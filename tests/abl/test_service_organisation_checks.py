"""The services refuse a user of the wrong organisation or role themselves.

The pages never get that far (abl/access.py answers 404 first), so these call the
services directly: a command, a task or a future page must meet the same refusal.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.models import AdvanceRequest, AuditEvent, Certificate, CollateralFile
from abl.services import certificates, collateral, loans
from abl.services.collateral import UploadRefused
from abl.services.errors import CertificateError, LoanRefused
from tests.abl.conftest import AGING
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2003, 3, 31)


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"


@pytest.fixture
def stranger(innotrac):
    """A borrower's officer, of another borrower."""
    return UserFactory(
        username="stranger", role="borrower", organisation=FacilityFactory().borrower
    )


def test_a_user_of_another_borrower_cannot_ask_for_an_advance(innotrac, stranger):
    with pytest.raises(LoanRefused) as refused:
        loans.request_advance(facility=innotrac, actor=stranger, amount=Decimal("1.00"), key="k")

    assert str(refused.value) == f"Only a user of {innotrac.borrower} asks for its advances."
    assert not AdvanceRequest.objects.exists()


def test_a_user_of_another_borrower_cannot_report_collateral(innotrac, stranger):
    with pytest.raises(UploadRefused) as refused:
        collateral.report_collateral(
            facility=innotrac,
            actor=stranger,
            as_of=AS_OF,
            files={"receivables": SimpleUploadedFile("aging.csv", AGING.encode())},
        )

    assert str(refused.value) == f"Only a user of {innotrac.borrower} reports its collateral."
    assert not CollateralFile.objects.exists()
    assert not Certificate.objects.exists()


def test_a_user_of_another_borrower_cannot_certify(innotrac, cfo, stranger):
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)

    with pytest.raises(CertificateError) as refused:
        certificates.submit_certificate(
            certificate=draft, actor=stranger, name="Not Them", title="CFO"
        )

    assert str(refused.value) == "Only an officer of the borrower can certify this certificate."
    assert Certificate.objects.get().status == "draft"


def test_an_analyst_of_the_borrower_cannot_decide_its_advance(innotrac, cfo):
    advance = loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("1.00"), key="k")
    insider = UserFactory(username="insider", role="analyst", organisation=innotrac.borrower)

    with pytest.raises(LoanRefused) as refused:
        loans.decline_advance(advance=advance, actor=insider, comment="No")

    assert str(refused.value) == "Nobody of the borrower approves or declines its advances."
    assert AdvanceRequest.objects.get().status == "requested"


@pytest.mark.parametrize(
    ("service", "what"),
    [
        (loans.declare_event_of_default, "declares an event of default"),
    ],
)
def test_only_the_bank_declares_or_cures_a_default(innotrac, cfo, service, what):
    events = AuditEvent.objects.count()

    with pytest.raises(LoanRefused) as refused:
        service(facility=innotrac, on=dt.date(2003, 4, 7), reason="test", user=cfo)

    assert str(refused.value) == f"Only the bank {what}."
    assert loans.default_standing(innotrac, on=dt.date(2003, 4, 7)) is None
    assert AuditEvent.objects.count() == events
