"""The fee pages: the statement (page and PDF) equals the ledger; exams and rates by analysts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from abl.calc.fees import Month
from abl.models import BaseRate, FieldExam, LedgerEntry
from abl.services import fees
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(april):
    fees.post_fees(month=Month(2003, 4))
    return april


def _ledger_charges(facility) -> Decimal:
    entries = LedgerEntry.objects.filter(
        facility=facility,
        kind__in=["fee", "interest"],
        value_date__gte="2003-04-01",
        value_date__lte="2003-04-30",
    )
    return sum(entries.values_list("amount", flat=True), Decimal("0.00"))


def test_the_statement_total_equals_the_ledger_charges_of_the_month(posted):
    statement = fees.fee_statement(facility=posted, month=Month(2003, 4))

    assert statement.total == _ledger_charges(posted) == Decimal("19684.40")


@pytest.mark.parametrize("who", ["cfo", "abl_analyst"])
def test_the_borrower_and_the_bank_see_the_statement_page(client, posted, who, request):
    client.force_login(request.getfixturevalue(who))

    page = client.get(f"/facilities/{posted.pk}/fees/?month=2003-04").content.decode()

    assert 'data-testid="fee-total">19,684.40<' in page
    assert "17,004.40" in page
    assert 'data-testid="placeholder-note"' in page


def test_the_statement_defaults_to_the_month_before_the_business_date(client, posted, cfo):
    client.force_login(cfo)

    page = client.get(f"/facilities/{posted.pk}/fees/").content.decode()

    assert "Fee statement · 2003-04" in page


def test_a_month_that_is_none_is_a_400_naming_the_month(client, posted, cfo):
    client.force_login(cfo)

    response = client.get(f"/facilities/{posted.pk}/fees/?month=2003-13")

    assert response.status_code == 400
    assert "month: not a month: 2003-13" in response.content.decode()


def test_the_statement_pdf_holds_the_lines_and_the_total(client, posted, cfo):
    client.force_login(cfo)

    response = client.get(f"/facilities/{posted.pk}/fees/statement.pdf?month=2003-04")

    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for figure in ("1,125.00", "1,555.00", "17,004.40", "19,684.40", "placeholders"):
        assert figure in text


def test_another_borrower_sees_no_statement(client, posted):
    client.force_login(UserFactory(role="borrower", organisation=FacilityFactory().borrower))

    assert client.get(f"/facilities/{posted.pk}/fees/").status_code == 404
    assert client.get(f"/facilities/{posted.pk}/fees/statement.pdf").status_code == 404


def test_an_analyst_schedules_and_records_an_exam_on_the_page(
    client, innotrac, abl_analyst, settings
):
    settings.ABL_BUSINESS_DATE = "2003-06-01"
    client.force_login(abl_analyst)

    scheduled = client.post(
        f"/facilities/{innotrac.pk}/field-exams/", {"scheduled_for": "2003-05-12"}
    )
    exam = FieldExam.objects.get()
    recorded = client.post(
        f"/field-exams/{exam.pk}/record/", {"done_on": "2003-05-14", "fee": "2950.00", "notes": ""}
    )

    assert (scheduled.status_code, recorded.status_code) == (302, 302)
    exam.refresh_from_db()
    assert (exam.done_on, exam.fee) == (dt.date(2003, 5, 14), Decimal("2950.00"))


def test_the_fourth_exam_on_the_page_without_a_reason_is_refused_naming_the_field(
    client, innotrac, abl_analyst, settings
):
    settings.ABL_BUSINESS_DATE = "2003-12-31"
    for month in (3, 6, 9):
        exam = fees.schedule_field_exam(
            facility=innotrac, actor=abl_analyst, scheduled_for=dt.date(2003, month, 10)
        )
        fees.record_field_exam(
            exam=exam, actor=abl_analyst, done_on=exam.scheduled_for, fee=exam.fee
        )
    client.force_login(abl_analyst)

    response = client.post(
        f"/facilities/{innotrac.pk}/field-exams/", {"scheduled_for": "2003-11-03"}
    )

    assert response.status_code == 400
    assert "Field exam 4 of 2003 is beyond the 3 charged per calendar year: give the reason" in (
        response.content.decode()
    )
    assert FieldExam.objects.count() == 3


def test_the_borrower_sees_its_exams_but_cannot_schedule(client, innotrac, cfo):
    client.force_login(cfo)

    page = client.get(f"/facilities/{innotrac.pk}/field-exams/")
    posted = client.post(f"/facilities/{innotrac.pk}/field-exams/", {"scheduled_for": "2003-05-12"})

    assert page.status_code == 200
    assert 'data-testid="schedule-exam"' not in page.content.decode()
    assert posted.status_code == 404
    assert FieldExam.objects.count() == 0


def test_an_analyst_sets_a_base_rate_in_percent(client, abl_analyst):
    client.force_login(abl_analyst)

    response = client.post(
        "/base-rates/", {"effective_date": "2003-06-27", "rate_pct": "4.00", "note": "WSJ"}
    )

    assert response.status_code == 302
    assert BaseRate.objects.get().rate == Decimal("0.040000")
    assert ">4%<" in client.get("/base-rates/").content.decode()


def test_a_base_rate_in_a_posted_month_is_refused_on_the_page(client, posted, abl_analyst):
    client.force_login(abl_analyst)

    response = client.post(
        "/base-rates/", {"effective_date": "2003-04-25", "rate_pct": "5", "note": ""}
    )

    assert response.status_code == 400
    assert "Interest is already posted for 2003-04" in response.content.decode()


def test_the_base_rates_page_is_the_banks(client, cfo):
    client.force_login(cfo)

    assert client.get("/base-rates/").status_code == 404
