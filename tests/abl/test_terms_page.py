"""Analysts see a facility's terms, each marked as from the letter or a market default."""

import pytest

from abl.calc.terms import Reserve
from abl.services import certificates

pytestmark = pytest.mark.django_db


def test_terms_page_marks_letter_and_market_values(client, innotrac, abl_analyst):
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{innotrac.pk}/").content.decode()

    letter = '<span class="badge badge-letter">letter</span>'
    market = '<span class="badge badge-market">market</span>'
    assert f"<code>receivables.advance_rate</code></td><td>0.85</td>\n      <td>{letter}" in page
    assert f"<code>receivables.age_limit_days</code></td><td>90</td>\n      <td>{market}" in page


def test_terms_history_lists_each_version_with_its_reason(client, innotrac, abl_analyst):
    from decimal import Decimal

    certificates.set_reserves(
        facility=innotrac,
        reserves=[Reserve("Rent reserve", Decimal("150000.00"), "no waiver")],
        actor=abl_analyst,
        reason="Field exam findings",
    )
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{innotrac.pk}/?version=1").content.decode()

    assert "Terms — version 1, effective 2003-02-18" in page
    assert "Field exam findings" in page
    assert '<a href="?version=2#terms">v2</a>' in page


def test_consent_creates_a_version_with_bellsouth_at_65(innotrac, abl_analyst):
    certificates.record_consent(
        facility=innotrac,
        program="BELLSOUTH",
        received=True,
        actor=abl_analyst,
        reason="BellSouth letter of 2003-04-02",
    )

    latest = innotrac.current_terms()
    assert latest.version == 2
    assert latest.data["inventory"]["programs"]["BELLSOUTH"]["consent_received"] is True


def test_borrower_cannot_change_reserves(innotrac, cfo):
    with pytest.raises(certificates.CertificateError):
        certificates.set_reserves(facility=innotrac, reserves=[], actor=cfo, reason="x")
