"""Repayments and collections from a file, held to the collateral readers' rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.models import AuditEvent, LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused
from tests.abl.loans.conftest import TODAY

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

    done = loans.import_repayments(facility=opened, actor=abl_analyst, upload=upload)

    assert (done.entries, done.first_seq, done.last_seq) == (2, 2, 3)
    assert list(
        LedgerEntry.objects.filter(facility=opened, seq__gte=2).values_list(
            "seq", "kind", "amount", "balance_after", "description", "created_by"
        )
    ) == [
        (2, "collection", Decimal("-1000.00"), Decimal("9000.00"), "Lockbox 1", abl_analyst.pk),
        (3, "repayment", Decimal("-250.50"), Decimal("8749.50"), "Wire 77", abl_analyst.pk),
    ]
    ledger = LedgerEntry.objects.filter(facility=opened)
    assert ledger.balance_on(dt.date(2003, 4, 2)) == Decimal("9000.00")
    assert ledger.balance_on(dt.date(2003, 4, 7)) == Decimal("8749.50")


def test_import_refusal_names_every_problem_at_once_and_saves_nothing(opened, abl_analyst):
    # The cells' problems and the ledger rule's, in one refusal: rows 3 and 4 cannot be read,
    # row 5 is after today and row 6 over the balance (rows 3 and 4 not counted before it).
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
        "row 4, column 'amount': must be more than zero: '(5.00)'\n"
        "row 5, column 'value_date': 2003-04-08 is after today's business date 2003-04-07\n"
        "row 6, column 'amount': 20,000.00 would take the balance below zero (to (10,100.00)); "
        "the outstanding on 2003-04-04 is 9,900.00"
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

    # On the business date it was imported, as every date of record.
    assert str(refused.value) == "receipts.csv was imported already, on 2003-04-07."
    assert set(LedgerEntry.objects.values_list("recorded_on", flat=True)) == {TODAY}
    assert LedgerEntry.objects.count() == 2


def test_only_an_analyst_imports(opened, cfo):
    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(
            facility=opened, actor=cfo, upload=_csv("Date,Amount\n2003-04-02,1.00\n")
        )

    assert str(refused.value) == "Only an ABL analyst records repayments and collections."


def _rows(count: int, *, amount: str = "1.00") -> str:
    days = [dt.date(2003, 4, 2) + dt.timedelta(days=n % 6) for n in range(count)]
    return "Date,Amount,Reference\n" + "".join(
        f"{day.isoformat()},{amount},Wire {n}\n" for n, day in enumerate(days)
    )


def test_a_file_of_n_rows_books_n_entries_with_their_running_balances(opened, abl_analyst):
    done = loans.import_repayments(facility=opened, actor=abl_analyst, upload=_csv(_rows(300)))

    entries = list(
        LedgerEntry.objects.filter(facility=opened, seq__gt=1).values_list(
            "seq", "amount", "balance_after", "source"
        )
    )
    assert len(entries) == done.entries == 300
    assert entries == [
        (n + 2, Decimal("-1.00"), OPENING - n - 1, f"{done.sha256[:16]}:{n + 2}")
        for n in range(300)
    ]
    assert LedgerEntry.objects.filter(facility=opened).balance_on(dt.date(2003, 4, 7)) == (
        OPENING - 300
    )


def test_an_import_is_one_audit_event_naming_the_file_and_its_entries(opened, abl_analyst):
    upload = _csv("Date,Amount,Type\n2003-04-02,100.00,collection\n2003-04-03,25.50,\n")

    done = loans.import_repayments(facility=opened, actor=abl_analyst, upload=upload)

    event = AuditEvent.objects.get(action="ledger.repayments_imported")
    assert (event.object_id, event.facility_id, event.actor_id) == (
        done.sha256,
        opened.pk,
        abl_analyst.pk,
    )
    assert event.summary == (
        "2 repayments and collections of 125.50 imported from receipts.csv: "
        "ledger entries 2 to 3, outstanding 9,874.50"
    )
    assert event.changes == {
        "file": "receipts.csv",
        "sha256": done.sha256,
        "entries": 2,
        "first_seq": 2,
        "last_seq": 3,
        "repayments": "25.50",
        "collections": "100.00",
        "balance_after": "9874.50",
    }


@pytest.mark.parametrize("rows", [10, 400])
def test_an_import_reads_as_many_queries_for_many_rows_as_for_few(
    opened, abl_analyst, rows, django_assert_max_num_queries
):
    # Opening, lock, duplicate check, ledger by day, head, the rows, the audit event: the
    # same for 10 rows as for 400 (SQLite writes its rows in one executemany).
    with django_assert_max_num_queries(12):
        loans.import_repayments(facility=opened, actor=abl_analyst, upload=_csv(_rows(rows)))

    assert LedgerEntry.objects.filter(facility=opened).count() == rows + 1


def test_every_problem_of_the_file_is_named_at_once_up_to_the_cap(opened, abl_analyst, settings):
    settings.ABL_UPLOAD_MAX_PROBLEMS = 3
    # 10,000.00 owed: the first two rows (04-02, 04-03) fit, none after them does.
    upload = _csv(_rows(2, amount="5000.00") + "".join(f"2003-04-02,1.00,x{n}\n" for n in range(5)))

    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(facility=opened, actor=abl_analyst, upload=upload)

    below = (
        "1.00 would take the balance below zero (to (1.00)); "
        "the outstanding on 2003-04-02 is 5,000.00"
    )
    assert str(refused.value) == (
        "receipts.csv was refused:\n"
        "The first 3 of 5 problems:\n"
        f"row 4, column 'amount': {below}\n"
        f"row 5, column 'amount': {below}\n"
        f"row 6, column 'amount': {below}"
    )
    assert LedgerEntry.objects.count() == 1


def test_a_file_over_the_row_limit_is_refused(opened, abl_analyst, settings):
    settings.ABL_REPAYMENT_IMPORT_MAX_ROWS = 5

    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(facility=opened, actor=abl_analyst, upload=_csv(_rows(6)))

    assert str(refused.value) == (
        "receipts.csv was refused:\nreceipts.csv has 6 data rows; the limit is 5."
    )
    assert LedgerEntry.objects.count() == 1
    assert not AuditEvent.objects.filter(action="ledger.repayments_imported").exists()


def test_a_file_at_the_row_limit_is_booked(opened, abl_analyst, settings):
    settings.ABL_REPAYMENT_IMPORT_MAX_ROWS = 5

    done = loans.import_repayments(facility=opened, actor=abl_analyst, upload=_csv(_rows(5)))

    assert done.entries == 5


def test_a_bad_row_at_the_end_of_a_long_file_saves_nothing(opened, abl_analyst):
    upload = _csv(_rows(200) + "2003-04-09,1.00,late\n")
    events = AuditEvent.objects.count()

    with pytest.raises(LoanRefused) as refused:
        loans.import_repayments(facility=opened, actor=abl_analyst, upload=upload)

    assert str(refused.value) == (
        "receipts.csv was refused:\n"
        "row 202, column 'value_date': 2003-04-09 is after today's business date 2003-04-07"
    )
    assert (LedgerEntry.objects.count(), AuditEvent.objects.count()) == (1, events)


@pytest.mark.postgres
def test_the_database_refuses_many_rows_at_once_whose_chain_breaks_in_the_middle(
    opened, abl_analyst
):
    import polars as pl
    import psycopg
    from django.db import transaction

    from abl import bulk

    rows = pl.DataFrame(
        {
            "facility_id": [opened.pk] * 3,
            "seq": [2, 3, 4],
            "kind": ["repayment"] * 3,
            "value_date": [dt.date(2003, 4, 2)] * 3,
            "amount": ["-1.00", "-1.00", "-1.00"],
            "balance_after": ["9999.00", "9999.00", "9997.00"],  # the second lies
            "description": ["x"] * 3,
            "source": ["", "", ""],
            "created_at": ["2003-04-07 12:00:00+00:00"] * 3,
        }
    )
    lie = "ledger entry 3 of facility .*: balance_after 9999.00 is not 9999.00 \\+ -1.00"

    with pytest.raises(psycopg.errors.RaiseException, match=lie), transaction.atomic():
        bulk.copy_frame(LedgerEntry._meta.db_table, rows)

    assert LedgerEntry.objects.count() == 1
