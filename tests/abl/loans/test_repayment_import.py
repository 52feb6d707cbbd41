"""Repayments and collections from a file, held to the collateral readers' rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.models import AuditEvent, LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused

pytestmark = pytest.mark.django_db

OPENING = Decimal("10000.00")


@pytest.fixture
def opened(innotrac, abl_analyst):
    loans.record_opening_balance(
        facility=innotrac, actor=abl_analyst, amount=OPENING, value_date=dt.date(2003, 4, 1)
    )
    return innotrac


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("receipts.csv", text.encode())


def test_import_books_every_row_in_file_order(opened, abl_analyst):
    upload = _csv(
        "Date,Amount,Type,Ref\n"
        '04/02/2003,"$1,000.00",collection,Lockbox 1\n'
        "2003-04-03,250.50,,Wire 77\n"
    )

    entries = loans.import_repayments(facility=opened, actor=abl_analyst, upload=upload)

    assert [(e.kind, e.amount, e.description) for e in entries] == [
        ("collection", Decimal("-1000.00"), "Lockbox 1"),
        ("repayment", Decimal("-250.50"), "Wire 77"),
    ]
    ledger = LedgerEntry.objects.filter(facility=opened)
    assert ledger.balance_on(dt.date(2003, 4, 2)) == Decimal("9000.00")
    assert ledger.balance_on(dt.date(2003, 4, 7)) == Decimal("8749.50")
    assert (
        AuditEvent.objects.filter(action__in=["ledger.collection", "ledger.repayment"]).count() == 2
    )


def test_import_refusal_names_row_and_column_and_saves_nothing(opened, abl_analyst):
    upload = _csv(
        "Date,Amount\n"
        "2003-04-02,100.00\n"
        "2003-04-31,100.00\n"
        "2003-04-03,(5.00)\n"
        "2003-04-08,1.00\n"
        "2003-04-04,20000.00\n"
    )
    entries_before, events_before = LedgerEntry.objects.count(), AuditEvent.objects.count()

    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(facility=opened, actor=abl_analyst, upload=upload)

    assert str(refused.value) == (
        "receipts.csv was refused:\n"
        "row 3, column 'value_date': not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-04-31'\n"
        "row 4, column 'amount': must be more than zero: '(5.00)'"
    )
    assert (LedgerEntry.objects.count(), AuditEvent.objects.count()) == (
        entries_before,
        events_before,
    )


def test_import_refuses_rows_the_ledger_cannot_take(opened, abl_analyst):
    upload = _csv("Date,Amount\n2003-04-02,100.00\n2003-04-08,1.00\n2003-04-04,9950.00\n")

    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(facility=opened, actor=abl_analyst, upload=upload)

    assert str(refused.value) == (
        "receipts.csv was refused:\n"
        "row 3, column 'value_date': 2003-04-08 is after today's business date 2003-04-07\n"
        "row 4, column 'amount': 9,950.00 would take the balance below zero (to (50.00)); "
        "the outstanding on 2003-04-04 is 9,900.00"
    )
    assert LedgerEntry.objects.count() == 1


def test_the_same_file_twice_is_refused(opened, abl_analyst):
    text = "Date,Amount\n2003-04-02,100.00\n"
    loans.import_repayments(facility=opened, actor=abl_analyst, upload=_csv(text))

    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(facility=opened, actor=abl_analyst, upload=_csv(text))

    assert str(refused.value).startswith("receipts.csv was imported already, on ")
    assert LedgerEntry.objects.count() == 2


def test_only_an_analyst_imports(opened, cfo):
    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(
            facility=opened, actor=cfo, upload=_csv("Date,Amount\n2003-04-02,1.00\n")
        )

    assert str(refused.value) == "Only an ABL analyst records repayments and collections."
