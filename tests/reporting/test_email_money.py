"""Every e-mail that carries money writes it as the pages do: commas and cents (issue 23, 23b).

Each e-mail is sent by its own service: the certificate's submission and approval, a switch
of reporting frequency, a capex request and its decision.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail

from covenants.services import capex
from tests.reporting.conftest import approve_certificate, switch_to_weekly

pytestmark = pytest.mark.django_db

# Four or more digits before the cents with no comma among them: "546125.00", "750000.00".
UNGROUPED = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}\b")


def _sent(subject_part: str) -> list[str]:
    return [f"{m.subject}\n{m.body}" for m in mail.outbox if subject_part in m.subject]


def test_the_certificates_emails_write_its_money_with_commas(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)

    for part in ("submitted for review", "approved"):
        (text,) = _sent(part)
        assert "Borrowing base as " in text
        assert "546,125.00" in text
        assert UNGROUPED.findall(text) == []


def test_the_frequency_switch_email_writes_its_money_with_commas(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    run = django_capture_on_commit_callbacks
    switch_to_weekly(innotrac, cfo, abl_analyst, run)

    texts = _sent("now weekly")
    assert texts
    for text in texts:
        assert "Line cap:             546,125.00" in text
        assert "Loans outstanding:    464,260.87" in text
        assert "Excess availability:  81,864.13" in text
        assert UNGROUPED.findall(text) == []


def test_the_capex_emails_write_the_amount_with_commas(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = capex.request_capex_approval(
            facility=innotrac,
            year=2003,
            amount=Decimal("750000.00"),
            reason="A second warehouse",
            user=cfo,
        )
    with django_capture_on_commit_callbacks(execute=True):
        capex.decide_capex_request(request=request, approve=True, comment="", user=abl_analyst)

    for part in ("capex approval requested", "capex request for 2003"):
        (text,) = _sent(part)
        assert "750,000.00" in text
        assert UNGROUPED.findall(text) == []
