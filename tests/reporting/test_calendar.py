"""The due calendar: what is due, fulfilled by the reports that arrive, overdue, and reminded once."""

import datetime as dt

import pytest
from django.core import mail

from abl.services import loans
from reporting.models import DueItem, Reminder
from reporting.services import calendar, close
from reporting.services.next_due import next_dues
from reporting.tasks import send_reminder_task
from tests.reporting.conftest import TODAY, approve_certificate, outstanding_for

pytestmark = pytest.mark.django_db
D = dt.date


def _items(facility, **filters):
    return [
        (i.kind, i.frequency, i.period_end, i.due_on, i.status)
        for i in DueItem.objects.filter(facility=facility, **filters).order_by("due_on", "kind")
    ]


@pytest.fixture
def monthly(innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks):
    """Innotrac approved as of 2003-03-31 with nothing drawn: monthly from 2003-04-07."""
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)
    return innotrac


def test_the_calendar_starts_with_the_first_frequency(monthly):
    assert _items(monthly) == [
        # the certificate as of 2003-03-31 submitted on the business date covers March
        ("certificate", "monthly", D(2003, 3, 31), D(2003, 4, 15), "fulfilled"),
        ("financials", "", D(2003, 3, 31), D(2003, 4, 30), "open"),
    ]
    fulfilled = DueItem.objects.get(facility=monthly, kind="certificate")
    assert fulfilled.fulfilled_on == TODAY
    assert fulfilled.fulfilled_with.startswith("abl.Certificate:")


def test_the_nightly_close_adds_periods_as_they_come_and_flags_overdue(monthly, settings):
    settings.ABL_BUSINESS_DATE = "2003-05-16"
    close.close_business_day()

    assert _items(monthly, status="open") == [
        ("financials", "", D(2003, 3, 31), D(2003, 4, 30), "open"),
        ("certificate", "monthly", D(2003, 4, 30), D(2003, 5, 15), "open"),
        ("financials", "", D(2003, 4, 30), D(2003, 5, 30), "open"),
        ("certificate", "monthly", D(2003, 5, 31), D(2003, 6, 16), "open"),  # 15th a Sunday
    ]
    overdue = DueItem.objects.filter(facility=monthly).overdue(D(2003, 5, 16))
    assert [(i.kind, i.due_on) for i in overdue] == [
        ("financials", D(2003, 4, 30)),
        ("certificate", D(2003, 5, 15)),
    ]
    assert next_dues([monthly.pk])[monthly.pk].certificate_due_on == D(2003, 5, 15)


def test_a_switch_to_weekly_supersedes_the_monthly_items_not_yet_due(
    monthly, cfo, abl_analyst, settings, django_capture_on_commit_callbacks
):
    settings.ABL_BUSINESS_DATE = "2003-04-20"
    close.close_business_day()  # April's monthly certificate, due 2003-05-15
    with django_capture_on_commit_callbacks(execute=True):
        loans.record_opening_balance(
            facility=monthly,
            actor=abl_analyst,
            amount=outstanding_for("0.10"),
            value_date=D(2003, 4, 20),
        )

    assert _items(monthly, kind="certificate") == [
        ("certificate", "monthly", D(2003, 3, 31), D(2003, 4, 15), "fulfilled"),
        ("certificate", "weekly", D(2003, 4, 18), D(2003, 4, 23), "open"),
        ("certificate", "monthly", D(2003, 4, 30), D(2003, 5, 15), "superseded"),
    ]


def test_financial_statements_fulfilled_through_fulfil_due_item(monthly, cfo):
    first = calendar.fulfil_due_item(
        facility=monthly,
        kind="financials",
        period_end=D(2003, 3, 31),
        actor=cfo,
        fulfilled_with="covenants.FinancialStatement:1",
    )
    again = calendar.fulfil_due_item(
        facility=monthly,
        kind="financials",
        period_end=D(2003, 3, 31),
        actor=cfo,
        fulfilled_with="covenants.FinancialStatement:2",
    )
    ahead = calendar.fulfil_due_item(
        facility=monthly,
        kind="financials",
        period_end=D(2003, 4, 30),
        actor=cfo,
        fulfilled_with="covenants.FinancialStatement:3",
    )

    assert first == again
    assert again.status == "fulfilled"
    assert again.fulfilled_with == "covenants.FinancialStatement:1"
    assert (ahead.due_on, ahead.status) == (D(2003, 5, 30), "fulfilled")
    with pytest.raises(ValueError, match="kind"):
        calendar.fulfil_due_item(
            facility=monthly, kind="budget", period_end=D(2003, 3, 31), actor=cfo, fulfilled_with=""
        )


def test_reminders_before_on_and_after_each_once(
    monthly, settings, django_capture_on_commit_callbacks
):
    """March's financial statements, due 2003-04-30: reminded on 04-27, 04-30 and 05-01."""
    sent = {}
    for day in ("2003-04-26", "2003-04-27", "2003-04-28", "2003-04-30", "2003-05-01", "2003-05-02"):
        settings.ABL_BUSINESS_DATE = day
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            close.close_business_day()
        sent[day] = sorted({m.subject for m in mail.outbox})

    name = monthly.name
    assert sent == {
        "2003-04-26": [],
        "2003-04-27": [f"{name}: financial statements for 2003-03-31 due 2003-04-30"],
        "2003-04-28": [],
        "2003-04-30": [f"{name}: financial statements for 2003-03-31 due today"],
        "2003-05-01": [f"{name}: financial statements for 2003-03-31 overdue since 2003-04-30"],
        "2003-05-02": [],
    }
    item = DueItem.objects.get(facility=monthly, kind="financials", period_end=D(2003, 3, 31))
    assert sorted(Reminder.objects.filter(item=item).values_list("kind", flat=True)) == [
        "after",
        "before",
        "on",
    ]
    assert send_reminder_task(item.pk, "after") is False  # run again: nothing more


def test_no_reminder_for_a_fulfilled_item(monthly, cfo, settings):
    calendar.fulfil_due_item(
        facility=monthly,
        kind="financials",
        period_end=D(2003, 3, 31),
        actor=cfo,
        fulfilled_with="covenants.FinancialStatement:1",
    )
    item = DueItem.objects.get(facility=monthly, kind="financials", period_end=D(2003, 3, 31))
    settings.ABL_BUSINESS_DATE = "2003-04-30"

    assert send_reminder_task(item.pk, "on") is False
    assert mail.outbox == [] or all("financial" not in m.subject for m in mail.outbox)
    assert not Reminder.objects.filter(item=item).exists()


def test_a_later_certificate_fulfils_every_period_it_covers(
    monthly, cfo, abl_analyst, settings, django_capture_on_commit_callbacks
):
    settings.ABL_BUSINESS_DATE = "2003-06-20"
    close.close_business_day()
    assert [i[2] for i in _items(monthly, kind="certificate", status="open")] == [
        D(2003, 4, 30),
        D(2003, 5, 31),
        D(2003, 6, 30),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(monthly, cfo, abl_analyst, as_of=D(2003, 5, 31))

    assert _items(monthly, kind="certificate", status="open") == [
        ("certificate", "monthly", D(2003, 6, 30), D(2003, 7, 15), "open")
    ]


def test_a_period_made_after_the_certificate_that_covers_it_is_fulfilled_at_once(
    monthly, cfo, abl_analyst, settings
):
    """No close between 2003-04-07 and 2003-05-01: April's item is made after April's certificate."""
    settings.ABL_BUSINESS_DATE = "2003-05-01"
    april = approve_certificate(monthly, cfo, abl_analyst, as_of=D(2003, 4, 30))

    close.close_business_day()

    item = DueItem.objects.get(facility=monthly, kind="certificate", period_end=D(2003, 4, 30))
    assert (item.status, item.fulfilled_on, item.fulfilled_by, item.fulfilled_with) == (
        "fulfilled",
        D(2003, 5, 1),
        cfo,
        f"abl.Certificate:{april.pk}",
    )
    assert _items(monthly, kind="certificate", status="open") == []


def test_submitting_a_certificate_fulfils_its_due_item_at_once(monthly, cfo, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from abl.services import certificates, collateral
    from abl.tasks import process_collateral_file_task
    from tests.abl.conftest import AGING

    settings.ABL_BUSINESS_DATE = "2003-05-16"
    close.close_business_day()
    draft = collateral.open_draft(facility=monthly, as_of=D(2003, 4, 30), actor=cfo)
    received = collateral.receive_file(
        certificate=draft,
        kind="receivables",
        upload=SimpleUploadedFile("aging.csv", AGING.encode()),
        actor=cfo,
        queue=False,
    )
    process_collateral_file_task(received.pk)

    certificates.submit_certificate(certificate=draft, actor=cfo, name="David Gamsey", title="CFO")

    april = DueItem.objects.get(facility=monthly, kind="certificate", period_end=D(2003, 4, 30))
    assert (april.status, april.fulfilled_on, april.fulfilled_by) == (
        "fulfilled",
        D(2003, 5, 16),
        cfo,
    )
    assert april.fulfilled_with == f"abl.Certificate:{draft.pk}"
    assert not april.is_overdue(D(2003, 5, 16))
    may = DueItem.objects.get(facility=monthly, kind="certificate", period_end=D(2003, 5, 31))
    assert may.status == "open"


def test_a_returned_certificate_reopens_what_its_submission_fulfilled(
    monthly, cfo, abl_analyst, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from abl.services import certificates, collateral
    from abl.tasks import process_collateral_file_task
    from tests.abl.conftest import AGING

    settings.ABL_BUSINESS_DATE = "2003-05-16"
    close.close_business_day()
    draft = collateral.open_draft(facility=monthly, as_of=D(2003, 4, 30), actor=cfo)
    received = collateral.receive_file(
        certificate=draft,
        kind="receivables",
        upload=SimpleUploadedFile("aging.csv", AGING.encode()),
        actor=cfo,
        queue=False,
    )
    process_collateral_file_task(received.pk)
    certificates.submit_certificate(certificate=draft, actor=cfo, name="David Gamsey", title="CFO")

    certificates.return_certificate(
        certificate=draft, actor=abl_analyst, comment="The aging does not foot."
    )

    april = DueItem.objects.get(facility=monthly, kind="certificate", period_end=D(2003, 4, 30))
    assert (april.status, april.fulfilled_on, april.fulfilled_with) == ("open", None, "")
    assert april.is_overdue(D(2003, 5, 16))
    march = DueItem.objects.get(facility=monthly, kind="certificate", period_end=D(2003, 3, 31))
    assert march.status == "fulfilled"  # by the approved certificate as of 2003-03-31
