"""The fee journey in Chromium: the analyst keeps the base rate, schedules and records a
field exam, posts April from the statement page, downloads the statement's PDF and reads
it back; a fourth field exam in the year is held only with the bank's reason, and is shown
not charged, with the reason, on the field exams page and the fee statement.

Innotrac with 5,400,000.00 outstanding from 2003-03-31, on the business date
2003-05-01, and no accepted covenant result yet (so the last, highest level of
the placeholder matrix applies: margin 0.75%). Prime 4.25% from 2003-01-01:
5.00% a year. April, worked by hand:

| days      | balance                                        | interest               |
|-----------|------------------------------------------------|------------------------|
| 1–14 Apr  | 5,401,125.00 (the set-up fee on 1 April)       | 14 × 750.15625         |
| 15–29 Apr | 5,404,075.00 (the field exam, 2,950.00, 15 Apr) | 15 × 750.565972…       |
| 30 Apr    | 5,405,630.00 (the monitoring fee)              |  1 × 750.781944…       |

22,511.459027… → 22,511.46; the statement's total 1,125.00 + 2,950.00 +
1,555.00 + 22,511.46 = 28,141.46.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from abl.models import AuditEvent, FeeCharge, FieldExam
from abl.models.fees import FeeStatementDocument
from abl.services import fees, loans
from tests.browser.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_analyst_sets_the_rate_records_an_exam_posts_april_and_downloads_the_statement(
    page, live_server, settings, innotrac, tmp_path
):
    settings.ABL_BUSINESS_DATE = "2003-05-01"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the cadence's re-evaluation runs in-process
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    loans.record_opening_balance(
        facility=innotrac,
        actor=analyst,
        amount=Decimal("5400000.00"),
        value_date=dt.date(2003, 3, 31),
    )
    login(page, live_server, analyst.username, PASSWORD)

    # The base rate: prime 4.25% from 1 January, on the base rates page.
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/")
    page.get_by_test_id("fees-link").click()
    page.get_by_role("link", name="base rates").click()
    form = page.get_by_test_id("base-rate-form")
    form.get_by_label("In force from").fill("2003-01-01")
    form.get_by_label("Rate (% a year)").fill("4.25")
    form.get_by_label("Source").fill("WSJ prime")
    form.get_by_role("button", name="Set").click()
    expect(page.get_by_test_id("base-rates")).to_contain_text("2003-01-01")
    expect(page.get_by_test_id("base-rates")).to_contain_text("4.25%")

    # A field exam: scheduled, then recorded as done with its actual fee.
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/")
    page.get_by_role("link", name="Field exams").click()
    schedule = page.get_by_test_id("schedule-exam")
    schedule.get_by_label("Scheduled for").fill("2003-04-14")
    schedule.get_by_role("button", name="Schedule").click()
    expect(page.get_by_test_id("field-exams")).to_contain_text("2003-04-14")
    exam = FieldExam.objects.get()
    record = page.get_by_test_id(f"record-exam-{exam.pk}")
    record.locator("input[name=done_on]").fill("2003-04-15")
    record.locator("input[name=fee]").fill("2950.00")
    record.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("field-exams")).to_contain_text("1 of 2003")

    # April posted from the statement page.
    page.get_by_role("link", name="fee statement").click()
    post = page.get_by_test_id("post-fees")
    post.get_by_label("Month").fill("2003-04")
    post.get_by_role("button", name="Post").click()
    expect(page.get_by_text("4 charges posted for 2003-04: 28,141.46.")).to_be_visible()
    lines = page.get_by_test_id("fee-lines")
    for figure in ("1,125.00", "2,950.00", "1,555.00", "22,511.46"):
        expect(lines).to_contain_text(figure)
    expect(page.get_by_test_id("fee-total")).to_have_text("28,141.46")
    expect(page.get_by_test_id("placeholder-note")).to_be_visible()
    assert AuditEvent.objects.get(action="fees.posted").actor == analyst

    # The statement's PDF, downloaded and read back; the page then offers the stored one.
    with page.expect_download() as download:
        page.get_by_test_id("statement-pdf").click()
    saved = tmp_path / "statement.pdf"
    download.value.save_as(saved)
    stored = FeeStatementDocument.objects.get()
    assert saved.read_bytes() == bytes(stored.pdf)
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(saved.read_bytes())).pages
    )
    for figure in ("1,125.00", "2,950.00", "1,555.00", "22,511.46", "Total 2003-04 28,141.46"):
        assert figure in text
    page.reload()
    expect(page.get_by_test_id("statement-sha256")).to_have_text(stored.sha256)
    expect(page.get_by_test_id("stored-pdf")).to_be_visible()


def test_a_fourth_field_exam_in_a_year_is_held_with_its_reason_and_shown_not_charged(
    page, live_server, settings, innotrac
):
    """§9 (issue 23, finding 11): the letter caps the charges, not the exams."""
    settings.ABL_BUSINESS_DATE = "2003-12-31"
    analyst = UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)
    for day in (dt.date(2003, 4, 14), dt.date(2003, 7, 14), dt.date(2003, 10, 13)):
        exam = fees.schedule_field_exam(facility=innotrac, actor=analyst, scheduled_for=day)
        fees.record_field_exam(exam=exam, actor=analyst, done_on=day, fee=exam.fee)
    login(page, live_server, analyst.username, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/field-exams/")

    # Without a reason the fourth is refused, the field named; with one it is scheduled.
    schedule = page.get_by_test_id("schedule-exam")
    schedule.get_by_label("Scheduled for").fill("2003-12-01")
    schedule.get_by_role("button", name="Schedule").click()
    expect(page.get_by_test_id("schedule-exam")).to_contain_text(
        "Field exam 4 of 2003 is beyond the 3 charged per calendar year: give the reason the "
        "bank holds it (risk, a breach)."
    )
    assert FieldExam.objects.count() == 3
    schedule = page.get_by_test_id("schedule-exam")
    schedule.get_by_label("Scheduled for").fill("2003-12-01")
    schedule.get_by_label("Reason the bank holds it").fill("Borrowing base breach in November")
    schedule.get_by_role("button", name="Schedule").click()
    fourth = FieldExam.objects.get(scheduled_for=dt.date(2003, 12, 1))

    record = page.get_by_test_id(f"record-exam-{fourth.pk}")
    record.get_by_label("Done on").fill("2003-12-02")
    record.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id(f"exam-charged-{fourth.pk}")).to_have_text(
        "4 of 2003 · Not charged: field exam 4 of 2003, and at most 3 are charged per "
        "calendar year."
    )
    expect(page.get_by_test_id(f"exam-hold-reason-{fourth.pk}")).to_have_text(
        "Held: Borrowing base breach in November"
    )

    page.goto(f"{live_server.url}/facilities/{innotrac.pk}/fees/?month=2003-12")
    line = page.locator("tr[data-kind=field_exam]")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Not charged: field exam 4 of 2003")
    expect(line).to_contain_text("Held: Borrowing base breach in November")
    expect(line.locator("td.money")).to_have_text("0.00")
    assert FeeCharge.objects.filter(field_exam=fourth).count() == 0
