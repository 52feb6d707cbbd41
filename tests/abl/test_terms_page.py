"""Analysts see a facility's terms, each marked as from the letter or a market default."""

import pytest

from abl.calc.terms import Reserve
from abl.services import certificates, terms

pytestmark = pytest.mark.django_db


def _row(page: str, path: str) -> str:
    """The page's row for a key path, up to the next row (its small table included)."""
    return page.split(f'data-testid="term-{path}"')[1].split('data-testid="term-')[0]


def test_terms_page_reads_as_the_letter_does(client, innotrac, abl_analyst):
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{innotrac.pk}/").content.decode()

    rate = _row(page, "receivables.advance_rate")
    assert "Advance rate on eligible receivables" in rate
    assert '<span data-testid="value">85.00%</span>' in rate
    assert '<span class="badge badge-letter">letter</span>' in rate
    assert (
        "“Advance rates on the borrowing base would be limited to 85% of eligible accounts "
        "receivable”" in rate
    )
    assert '<span data-testid="value">$40,000,000.00</span>' in _row(page, "facility.commitment")
    age = _row(page, "receivables.age_limit_days")
    assert "90 days from its invoice date" in age
    assert '<span class="badge badge-market">market</span>' in age
    assert "receivables.advance_rate</code>" not in page  # no dotted keys shown


def test_schedules_are_small_tables(client, innotrac, abl_analyst):
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{innotrac.pk}/").content.decode()

    tnw = _row(page, "covenants.tangible_net_worth")
    assert "<tr><td>2003-03-31</td><td>$32,500,000.00</td></tr>" in tnw
    assert "then $250,000.00 more each quarter end" in tnw
    assert "<tr><td>2003-12-31</td><td>1.75</td></tr>" in _row(
        page, "covenants.fixed_charge_coverage"
    )
    assert "<tr><td>BELLSOUTH</td><td>50.00%</td></tr>" in _row(
        page, "receivables.concentration_overrides"
    )


def test_placeholder_pricing_is_marked_as_such(client, innotrac, abl_analyst):
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{innotrac.pk}/").content.decode()

    assert "Placeholder levels: the letter does not give the December matrix." in page


def test_terms_history_lists_each_version_with_its_reason(client, innotrac, abl_analyst):
    from decimal import Decimal

    terms.set_reserves(
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
    terms.record_consent(
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
        terms.set_reserves(facility=innotrac, reserves=[], actor=cfo, reason="x")


def test_consent_takes_effect_on_the_date_the_analyst_gives(
    client, innotrac, abl_analyst, cfo, settings, django_capture_on_commit_callbacks
):
    from abl.models import Certificate
    from tests.abl.conftest import AGING, post_report

    settings.ABL_BUSINESS_DATE = "2003-04-07"
    client.force_login(cfo)
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables=AGING)
    certificate = Certificate.objects.get()
    certificates.submit_certificate(certificate=certificate, actor=cfo, name="D", title="CFO")
    client.force_login(abl_analyst)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/certificates/{certificate.pk}/consent/",
            {
                "consent-program": "BELLSOUTH",
                "consent-received": "1",
                "consent-reason": "BellSouth letter of 2003-04-02",
                "consent-effective_date": "2003-04-02",
            },
        )

    assert innotrac.current_terms().effective_date.isoformat() == "2003-04-02"


def test_a_terms_change_cannot_take_effect_after_the_business_date(innotrac, abl_analyst, settings):
    import datetime as dt

    settings.ABL_BUSINESS_DATE = "2003-04-07"

    with pytest.raises(certificates.CertificateError) as refused:
        terms.set_reserves(
            facility=innotrac,
            reserves=[],
            actor=abl_analyst,
            reason="Early",
            effective_date=dt.date(2003, 5, 1),
        )

    assert str(refused.value) == (
        "A change cannot take effect on 2003-05-01, after today's business date 2003-04-07."
    )
    assert innotrac.terms_versions.count() == 1
