"""Capex beyond the basket: the borrower asks, an analyst decides, an approval raises the basket."""

from decimal import Decimal

import pytest
from django.core import mail

from covenants.models import CapexRequest
from covenants.services import capex
from covenants.services.errors import CovenantRefused
from covenants.services.testing import results_of

pytestmark = pytest.mark.django_db


def _capex(version):
    return next(r for r in results_of(version.latest_test) if r.covenant == "capital_expenditures")


@pytest.fixture
def request_(innotrac, cfo):
    return capex.request_capex_approval(
        facility=innotrac, year=2003, amount=Decimal("500000.00"), reason="New warehouse", user=cfo
    )


def test_an_approved_request_raises_that_years_basket(request_, submit, abl_analyst):
    over = {"capex_ytd": "4300000.00", "new_business_capex_ytd": "1200000.00"}
    before = submit(**over)

    capex.decide_capex_request(request=request_, approve=True, comment="", user=abl_analyst)
    after = submit(reason="Restated after the approval", **over)

    assert (_capex(before).required, _capex(before).passed) == (Decimal("4000000.00"), False)
    assert (_capex(after).required, _capex(after).passed) == (Decimal("4500000.00"), True)
    assert after.latest_test.approved_additional_capex == Decimal("500000.00")


def test_a_declined_request_raises_nothing(request_, submit, abl_analyst):
    capex.decide_capex_request(request=request_, approve=False, comment="Not now", user=abl_analyst)

    version = submit(capex_ytd="3500000.00")

    assert _capex(version).required == Decimal("3000000.00")


def test_nobody_decides_their_own_request_and_only_an_analyst_decides(innotrac, request_, cfo):
    from tests.factories import UserFactory

    analyst = UserFactory(role="analyst", organisation=innotrac.lender)
    own = capex.request_capex_approval(
        facility=innotrac, year=2003, amount=Decimal("1.00"), reason="x", user=cfo
    )
    CapexRequest.objects.filter(pk=own.pk).update(requested_by=analyst)

    with pytest.raises(CovenantRefused, match="Only an ABL analyst"):
        capex.decide_capex_request(request=request_, approve=True, comment="", user=cfo)
    with pytest.raises(CovenantRefused, match="Nobody decides a capex request they made"):
        capex.decide_capex_request(request=own, approve=True, comment="", user=analyst)

    assert CapexRequest.objects.filter(status="pending").count() == 2


def test_a_decline_needs_a_comment_and_a_decision_is_final(request_, abl_analyst):
    with pytest.raises(CovenantRefused, match="Say why"):
        capex.decide_capex_request(request=request_, approve=False, comment=" ", user=abl_analyst)
    capex.decide_capex_request(request=request_, approve=True, comment="", user=abl_analyst)

    with pytest.raises(CovenantRefused, match="already approved"):
        capex.decide_capex_request(request=request_, approve=False, comment="x", user=abl_analyst)


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        (Decimal("0.00"), "x", "more than zero"),
        (Decimal("1.001"), "x", "dollars and cents"),
        (Decimal("10.00"), "  ", "Say what"),
    ],
)
def test_a_bad_request_is_refused(innotrac, cfo, amount, reason, message):
    with pytest.raises(CovenantRefused, match=message):
        capex.request_capex_approval(
            facility=innotrac, year=2003, amount=amount, reason=reason, user=cfo
        )

    assert CapexRequest.objects.count() == 0


def test_a_request_emails_the_bank_and_a_decision_the_borrower(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = capex.request_capex_approval(
            facility=innotrac, year=2003, amount=Decimal("10.00"), reason="Racks", user=cfo
        )
    with django_capture_on_commit_callbacks(execute=True):
        capex.decide_capex_request(request=request, approve=True, comment="", user=abl_analyst)

    assert [m.to for m in mail.outbox] == [
        [abl_analyst.email],
        sorted([abl_analyst.email, cfo.email]),
    ]
    assert "approved" in mail.outbox[1].subject
