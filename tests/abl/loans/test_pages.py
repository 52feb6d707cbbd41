"""The loan pages: the borrower asks, the analyst decides, the ledger shows it."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abl.models import AdvanceRequest, AuditEvent, LedgerEntry
from abl.services import loans
from tests.abl.loans.conftest import LINE_CAP, TODAY
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ask(client, facility, amount, key="form-key-1", **extra):
    data = {"amount": amount, "value_date": "", "purpose": "Payroll", "key": key, **extra}
    return client.post(f"/facilities/{facility.pk}/loan/", data)


def test_borrower_asks_for_an_advance_and_sees_it_requested(client, innotrac, cfo, approved):
    client.force_login(cfo)

    response = _ask(client, innotrac, "1000.00")

    assert response.status_code == 302
    advance = AdvanceRequest.objects.get()
    assert (advance.amount, advance.value_date, advance.requested_by) == (
        Decimal("1000.00"),
        TODAY,
        cfo,
    )
    page = client.get(f"/facilities/{innotrac.pk}/loan/").content.decode()
    assert f'data-testid="advance-{advance.pk}"' in page
    assert "Requested" in page


def test_the_form_posted_twice_makes_one_request(client, innotrac, cfo, approved):
    client.force_login(cfo)

    _ask(client, innotrac, "1000.00", key="same-form")
    _ask(client, innotrac, "1000.00", key="same-form")

    assert AdvanceRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="advance.requested").count() == 1


def test_the_loan_page_shows_live_availability(client, innotrac, cfo, abl_analyst, approved):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("400000.00"), value_date=TODAY
    )
    client.force_login(cfo)

    page = client.get(f"/facilities/{innotrac.pk}/loan/").content.decode()

    assert 'data-testid="live-line-cap">546,125.00<' in page
    assert 'data-testid="live-outstanding">400,000.00<' in page
    assert 'data-testid="live-excess">146,125.00<' in page
    assert 'data-testid="live-excess-pct">26.76%<' in page
    assert "above the 15.00% threshold, so monthly." in page


def test_analyst_sees_before_and_after_and_approves(client, innotrac, cfo, abl_analyst, approved):
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("46125.00"), key="k"
    )
    client.force_login(abl_analyst)

    page = client.get(f"/advances/{advance.pk}/").content.decode()
    assert 'data-testid="excess-before">546,125.00<' in page
    assert 'data-testid="excess-after">500,000.00<' in page
    queue = client.get("/reviews/").content.decode()
    assert f'data-testid="queued-advance-{advance.pk}"' in queue

    response = client.post(f"/advances/{advance.pk}/", {"decision": "approve", "comment": "Fine"})

    assert response.status_code == 302
    assert LedgerEntry.objects.filter(facility=innotrac).balance_on(TODAY) == Decimal("46125.00")
    summary = AuditEvent.objects.get(action="advance.approved").summary
    assert summary == (
        "Advance of 46,125.00 valued 2003-04-07 approved: "
        "excess availability 546,125.00 → 500,000.00"
    )
    assert summary in client.get("/audit/").content.decode()


def test_an_overdrawing_approval_is_refused_on_the_page(
    client, innotrac, cfo, abl_analyst, approved
):
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=LINE_CAP + Decimal("0.01"), key="k"
    )
    client.force_login(abl_analyst)

    response = client.post(f"/advances/{advance.pk}/", {"decision": "approve", "comment": ""})

    assert response.status_code == 400
    assert "would take excess availability below zero" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_declining_needs_a_comment(client, innotrac, cfo, abl_analyst, approved):
    advance = loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("1.00"), key="k")
    client.force_login(abl_analyst)

    response = client.post(f"/advances/{advance.pk}/", {"decision": "decline", "comment": " "})

    assert response.status_code == 400
    assert "a comment is required to decline" in response.content.decode()
    assert AdvanceRequest.objects.get().status == "requested"


def test_the_borrower_cannot_decide(client, innotrac, cfo, approved):
    advance = loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("1.00"), key="k")
    client.force_login(cfo)

    response = client.post(f"/advances/{advance.pk}/", {"decision": "approve"})

    assert response.status_code == 404
    assert AdvanceRequest.objects.get().status == "requested"


def test_another_borrower_sees_nothing(client, innotrac, cfo, approved):
    advance = loans.request_advance(facility=innotrac, actor=cfo, amount=Decimal("1.00"), key="k")
    other = UserFactory(role="borrower", organisation=FacilityFactory().borrower)
    client.force_login(other)

    assert client.get(f"/advances/{advance.pk}/").status_code == 404
    assert client.get(f"/facilities/{innotrac.pk}/loan/").status_code == 404
    assert client.get(f"/facilities/{innotrac.pk}/ledger/").status_code == 404


def test_analyst_records_a_repayment_on_the_ledger_page(client, innotrac, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("5000.00"), value_date=TODAY
    )
    client.force_login(abl_analyst)

    response = client.post(
        f"/facilities/{innotrac.pk}/ledger/repayment/",
        {"kind": "collection", "amount": "1200.00", "value_date": "2003-04-07"},
    )

    assert response.status_code == 302
    page = client.get(f"/facilities/{innotrac.pk}/ledger/").content.decode()
    assert "3,800.00" in page
    assert AuditEvent.objects.get(action="ledger.collection").summary == (
        "Collection of 1,200.00 valued 2003-04-07 recorded: outstanding 3,800.00"
    )


def test_import_refused_on_the_page_names_row_and_column(client, innotrac, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=Decimal("5000.00"), value_date=TODAY
    )
    client.force_login(abl_analyst)
    upload = SimpleUploadedFile("receipts.csv", b"Date,Amount\n2003-04-02,abc\n")

    response = client.post(f"/facilities/{innotrac.pk}/ledger/import/", {"file": upload})

    assert response.status_code == 400
    assert "row 2, column &#x27;amount&#x27;" in response.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_a_borrower_cannot_record_repayments(client, innotrac, cfo):
    client.force_login(cfo)

    response = client.post(
        f"/facilities/{innotrac.pk}/ledger/repayment/",
        {"kind": "repayment", "amount": "1.00", "value_date": "2003-04-07"},
    )

    assert response.status_code == 404


def test_daily_balances_on_the_ledger_page(client, innotrac, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac,
        actor=abl_analyst,
        amount=Decimal("5000.00"),
        value_date=dt.date(2003, 4, 1),
    )
    loans.record_repayment(
        facility=innotrac, actor=abl_analyst, amount=Decimal("100.00"), value_date=TODAY
    )
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{innotrac.pk}/ledger/").content.decode()

    assert (
        '<td>2003-04-07</td><td class="money">(100.00)</td><td class="money">4,900.00</td>' in page
    )
    assert (
        '<td>2003-04-01</td><td class="money">5,000.00</td><td class="money">5,000.00</td>' in page
    )


def test_the_queue_reads_the_same_number_of_queries_for_more_requests(
    client, innotrac, cfo, abl_analyst, approved
):
    client.force_login(abl_analyst)

    def queries_with(requests: int) -> int:
        for n in range(requests):
            loans.request_advance(
                facility=innotrac, actor=cfo, amount=Decimal("1.00"), key=f"q{requests}-{n}"
            )
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reviews/").status_code == 200
        return len(captured.captured_queries)

    assert queries_with(1) == queries_with(5)


def test_every_facility_page_shows_the_availability(client, innotrac, cfo, approved):
    client.force_login(cfo)

    for url in ("/", "/loan/", "/ledger/", "/certificates/"):
        page = client.get(f"/facilities/{innotrac.pk}{url}").content.decode()
        assert 'data-testid="live-line-cap">546,125.00<' in page, url


def _refusal_shown(response) -> str:
    """The words of the page's refusal box (the form's own errors), as a person reads them."""
    page = response.content.decode()
    start = page.index('data-testid="advance-refused"')
    return html.unescape(page[page.index(">", start) + 1 : page.index("</div>", start)]).strip()


def test_the_same_form_sent_again_with_another_amount_says_so_on_the_page(
    client, innotrac, cfo, approved
):
    client.force_login(cfo)
    _ask(client, innotrac, "1000.00", key="same-form")
    first = AdvanceRequest.objects.get()

    response = _ask(client, innotrac, "2000.00", key="same-form")

    assert response.status_code == 400
    assert _refusal_shown(response) == (
        "This request was already made with another amount or value date: advance request "
        f"{first.pk}, 1,000.00 valued 2003-04-07 (key 'same-form'). "
        "To ask for another amount, make a new request."
    )
    assert AdvanceRequest.objects.count() == 1


@pytest.mark.parametrize("key", ["", "   ", "k" * 101], ids=["empty", "blank", "overlong"])
def test_a_missing_or_malformed_form_key_is_said_on_the_page(client, innotrac, cfo, approved, key):
    client.force_login(cfo)

    response = _ask(client, innotrac, "1000.00", key=key)

    assert response.status_code == 400
    assert _refusal_shown(response) == (
        "This form has expired or was damaged on the way: open the page again and resubmit."
    )
    assert AdvanceRequest.objects.count() == 0
