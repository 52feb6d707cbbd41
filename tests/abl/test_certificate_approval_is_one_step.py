"""An approval is one transaction: a failure after its first write leaves nothing changed.

The approval computes the certificate again under the newest terms (a new Computation
when they changed since it was submitted) before it marks the certificate approved and
audits it. If the clock fails after that first write, the computation must go with it. On SQLite too: the test runs inside the test's own
transaction, so only the approval's own atomic block can take its writes back.
"""

import pytest

from abl.models import AuditEvent, Certificate, Computation
from abl.services import certificates
from abl.services.terms import load_facility_terms
from tests.abl.conftest import TERMS
from tests.abl.loans.conftest import submit_certificate

pytestmark = pytest.mark.django_db


class _FailingClock:
    """The outside world's clock, out of order."""

    @staticmethod
    def now():
        raise OSError("the clock is unavailable")


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"


def test_an_approval_that_fails_after_its_first_write_changes_nothing(
    innotrac, cfo, abl_analyst, monkeypatch
):
    submitted = submit_certificate(innotrac, cfo)
    load_facility_terms(
        text=TERMS.read_text().replace("advance_rate: 0.85", "advance_rate: 0.80", 1),
        actor=None,
        reason="the advance rate lowered after submission",
    )
    computations, events = Computation.objects.count(), AuditEvent.objects.count()
    monkeypatch.setattr(certificates, "timezone", _FailingClock)

    with pytest.raises(OSError, match="the clock is unavailable"):
        certificates.approve_certificate(certificate=submitted, actor=abl_analyst)

    assert Computation.objects.count() == computations
    assert AuditEvent.objects.count() == events
    certificate = Certificate.objects.get(pk=submitted.pk)
    assert (certificate.status, certificate.approved_id, certificate.reviewed_by_id) == (
        "submitted",
        None,
        None,
    )
