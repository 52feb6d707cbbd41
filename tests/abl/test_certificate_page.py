"""The certificate page: compared with the certificate approved before it, read in few queries.

The comparison of two computations is kept in Django's cache (a computation never
changes); these tests show the page after each change that makes it compare other
figures: the certificate recomputed, a newer certificate approved before it.
"""

import datetime as dt
import logging
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.calc.report import label
from abl.calc.terms import Reserve
from abl.models import Certificate
from abl.services import certificates, collateral, terms
from abl.tasks import process_collateral_file_task
from abl.views import presenters
from tests.abl.conftest import AGING, post_report

pytestmark = pytest.mark.django_db


def _submitted(client, facility, cfo, capture, *, as_of, aging=AGING):
    client.force_login(cfo)
    response = post_report(client, facility, capture, receivables=aging, as_of=as_of)
    assert response.status_code == 302
    certificate = Certificate.objects.get(facility=facility, as_of=as_of)
    return certificates.submit_certificate(
        certificate=certificate, actor=cfo, name="David Gamsey", title="Chief Financial Officer"
    )


def _approved(client, facility, cfo, analyst, capture, *, as_of, aging=AGING):
    certificate = _submitted(client, facility, cfo, capture, as_of=as_of, aging=aging)
    return certificates.approve_certificate(certificate=certificate, actor=analyst)


def _compared(client, certificate) -> tuple[str, dict[str, tuple[str, str]]]:
    """The page's heading of the comparison, and each row compared: name → (now, then)."""
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    heading = re.search(r"Compared with the certificate approved as of [\d-]+", page)
    table = page.split('data-testid="comparison">')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr><td>([^<]+)</td><td class="money">([^<]*)</td><td class="money">([^<]*)</td>', table
    )
    return heading[0] if heading else "", {name: (now, then) for name, now, then in rows}


def test_the_comparison_shows_the_certificate_recomputed(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _approved(client, innotrac, cfo, abl_analyst, capture, as_of="2003-03-26")
    march = _submitted(client, innotrac, cfo, capture, as_of="2003-03-31")
    client.force_login(abl_analyst)
    _, before = _compared(client, march)

    with capture(execute=True):
        terms.set_reserves(
            facility=innotrac,
            reserves=[Reserve(name="Rent reserve", amount=Decimal("46125.00"), reason="Landlord")],
            actor=abl_analyst,
            reason="Field exam",
        )
    _, after = _compared(client, march)

    assert label("reserves") not in before
    assert after[label("reserves")] == ("46,125.00", "0.00")


def test_the_comparison_is_with_the_certificate_approved_last_before_it(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _approved(client, innotrac, cfo, abl_analyst, capture, as_of="2003-03-26")
    march = _submitted(client, innotrac, cfo, capture, as_of="2003-03-31")
    client.force_login(abl_analyst)
    first = _compared(client, march)
    bigger = AGING.replace('"100,000.00"', '"110,000.00"')

    _approved(client, innotrac, cfo, abl_analyst, capture, as_of="2003-03-28", aging=bigger)
    client.force_login(abl_analyst)
    second = _compared(client, march)

    gross = label("gross_receivables")
    assert (first[0], first[1][gross]) == (
        "Compared with the certificate approved as of 2003-03-26",
        ("1,245,000.00", "1,245,000.00"),
    )
    assert (second[0], second[1][gross]) == (
        "Compared with the certificate approved as of 2003-03-28",
        ("1,245,000.00", "1,255,000.00"),
    )


def test_a_cache_that_cannot_be_reached_costs_the_saving_not_the_page(
    client, settings, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks, caplog
):
    capture = django_capture_on_commit_callbacks
    _approved(client, innotrac, cfo, abl_analyst, capture, as_of="2003-03-26")
    march = _submitted(client, innotrac, cfo, capture, as_of="2003-03-31")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    client.force_login(abl_analyst)
    caplog.set_level(logging.WARNING, logger="abl.views.presenters")

    heading, rows = _compared(client, march)

    assert heading == "Compared with the certificate approved as of 2003-03-26"
    assert rows[label("gross_receivables")] == ("1,245,000.00", "1,245,000.00")
    assert "cache unreachable" in caplog.text


def test_files_panel_keeps_the_newest_refusal_of_a_kind_with_no_file_in_use(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    bad = AGING.replace('"$600,000.00"', "lots")
    draft = collateral.open_draft(facility=innotrac, as_of=dt.date(2003, 3, 31), actor=cfo)
    attempts = []
    for text in (bad, bad.replace("lots", "heaps")):
        received = collateral.receive_file(
            certificate=draft,
            kind="receivables",
            upload=SimpleUploadedFile("aging.csv", text.encode()),
            actor=cfo,
            queue=False,
        )
        process_collateral_file_task(received.pk)
        attempts.append(received)
    client.force_login(cfo)

    panel = client.get(f"/certificates/{draft.pk}/files/")

    assert [f.pk for f in panel.context["files"]] == [attempts[1].pk]
    assert [f.pk for f in panel.context["refused_attempts"]] == [attempts[0].pk]
    html = panel.content.decode()
    table, history = html.split('data-testid="refused-attempts"')
    assert "not an amount: &#x27;heaps&#x27;" in table
    assert "1 earlier attempt refused" in history
    assert "not an amount: &#x27;lots&#x27;" in history


def test_a_refused_file_says_how_many_of_its_problems_are_listed(client, innotrac, cfo, settings):
    settings.ABL_UPLOAD_MAX_PROBLEMS = 2
    header, *rows = AGING.splitlines()
    # Five rows with an amount that is none, then each row again: 5 cells and 5 repeats.
    bad = [re.sub(r'"?\$?[\d,]+\.\d\d"?,US', "none,US", row) for row in rows[:5]]
    text = "\n".join([header, *bad, *bad]) + "\n"
    draft = collateral.open_draft(facility=innotrac, as_of=dt.date(2003, 3, 31), actor=cfo)
    received = collateral.receive_file(
        certificate=draft,
        kind="receivables",
        upload=SimpleUploadedFile("aging.csv", text.encode()),
        actor=cfo,
        queue=False,
    )
    process_collateral_file_task(received.pk)
    client.force_login(cfo)

    html = client.get(f"/certificates/{draft.pk}/").content.decode()

    assert "The first 2 of 15 problems:" in html
    assert "… and 13 more problems, not listed" in html


def test_the_customers_that_moved_most_come_first_with_why_they_count_now(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    # Before: ACME 110,000.00 eligible, GONECO 30,000.00, so E = 1,135,000.00 and
    # BellSouth's 50% limit 567,500.00. Now (the conftest aging): ACME 100,000.00,
    # no GONECO, BellSouth 547,500.00; AFFCO, MAPLE and CREDITCO unchanged.
    capture = django_capture_on_commit_callbacks
    before = AGING.replace('"100,000.00"', '"110,000.00"') + (
        'GONECO,Gone Co,GO-1,2003-03-20,,"30,000.00",US,N,N\n'
    )
    previous = _approved(
        client, innotrac, cfo, abl_analyst, capture, as_of="2003-03-26", aging=before
    )
    march = _submitted(client, innotrac, cfo, capture, as_of="2003-03-31")

    moved = presenters.customer_changes(march.current, previous.approved)

    assert [
        (c["customer_id"], c["name"], c["now"], c["before"], c["change"], c["why"]) for c in moved
    ] == [
        (
            "GONECO",
            "Gone Co",
            Decimal("0"),
            Decimal("30000.00"),
            Decimal("-30000.00"),
            "no longer in the aging",
        ),
        (
            "BELLSOUTH",
            "BellSouth Telecommunications",
            Decimal("547500.00"),
            Decimal("567500.00"),
            Decimal("-20000.00"),
            "concentration",
        ),
        (
            "ACME",
            "Acme Retail",
            Decimal("100000.00"),
            Decimal("110000.00"),
            Decimal("-10000.00"),
            "past due",
        ),
    ]
    assert [
        c["customer_id"]
        for c in presenters.customer_changes(march.current, previous.approved, limit=2)
    ] == ["GONECO", "BELLSOUTH"]
