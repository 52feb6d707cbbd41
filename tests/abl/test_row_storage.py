"""Input rows as stored: exact values, in the drill-down's order, one partition per file.

On PostgreSQL invoice rows go by binary COPY into a table of their own per
file, attached to `abl_invoice`; replacing or refusing a file leaves no rows
and no table behind. On SQLite the same services write the one table.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from abl.models import CollateralFile, Invoice
from abl.services import collateral, processing
from tests.abl.conftest import AGING

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2003, 3, 31)
# Migrations run as the owner role when there is one (tests/conftest.py), as a deployment runs them.
MIGRATOR = "owner" if "owner" in settings.DATABASES else "default"


def _accept(certificate, cfo, content: str, name: str = "aging.csv") -> CollateralFile:
    received = collateral.receive_file(
        certificate=certificate,
        kind=CollateralFile.Kind.RECEIVABLES,
        upload=SimpleUploadedFile(name, content.encode()),
        actor=cfo,
        queue=False,
    )
    processing.process_collateral_file(file_id=received.pk)
    received.refresh_from_db()
    return received


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'abl_invoice'"
        )
        return {name for (name,) in cursor.fetchall()}


def _tables_like(prefix: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s", [prefix + "%"]
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def draft(innotrac, cfo):
    return collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)


def test_stored_invoices_are_the_file_exactly(draft, cfo):
    aging = _accept(draft, cfo, AGING)

    stored = {
        (i.customer_id, i.invoice_number): (i.row, i.invoice_date, i.due_date, i.amount)
        for i in Invoice.objects.filter(file=aging)
    }

    assert aging.status == CollateralFile.Status.ACCEPTED
    assert stored[("BELLSOUTH", "BS-1")] == (
        2,
        dt.date(2003, 3, 10),
        dt.date(2003, 4, 9),
        Decimal("600000.00"),
    )
    assert stored[("ACME", "AC-2")][2] is None  # an empty due date stays empty
    assert str(stored[("CREDITCO", "CR-1")][3]) == "-5000.00"
    assert sum(i.amount_cents for i in Invoice.objects.filter(file=aging)) == 124_500_000


def test_a_customers_invoices_come_in_row_order(draft, cfo):
    aging = _accept(draft, cfo, AGING)

    rows = list(
        Invoice.objects.filter(file=aging, customer_id="BELLSOUTH")
        .order_by("row")
        .values_list("row", "invoice_number")
    )

    assert rows == [(2, "BS-1"), (3, "BS-2")]


@pytest.mark.postgres
def test_each_file_has_its_own_partition_and_a_replaced_file_leaves_none(draft, cfo):
    first = _accept(draft, cfo, AGING)
    assert f"abl_invoice_f{first.pk}" in _partitions()

    second = _accept(draft, cfo, AGING.replace("BS-1", "BS-9"))

    first.refresh_from_db()
    assert first.status == CollateralFile.Status.REPLACED
    assert _partitions() >= {f"abl_invoice_f{second.pk}"}
    assert f"abl_invoice_f{first.pk}" not in _tables_like("abl_invoice_f")
    assert Invoice.objects.filter(file=first).count() == 0
    assert Invoice.objects.filter(file=second, invoice_number="BS-9").count() == 1


@pytest.mark.postgres
def test_a_refused_file_leaves_no_partition(draft, cfo):
    refused = _accept(draft, cfo, AGING + "ACME,Acme Retail,AC-3,someday,,1.00,US,N,N\n")

    assert refused.status == CollateralFile.Status.REFUSED
    assert not _tables_like(f"abl_invoice_f{refused.pk}")


@pytest.mark.postgres
def test_a_failure_while_storing_leaves_no_rows_and_no_table(draft, cfo, monkeypatch):
    from abl import bulk

    def fail_after_copy(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(bulk, "_attach", fail_after_copy)

    _accept(draft, cfo, AGING)

    failed = CollateralFile.objects.get()
    assert failed.status == CollateralFile.Status.REFUSED
    assert failed.problems == [{"row": None, "column": None, "message": processing.FAILED}]
    assert not _tables_like(f"abl_invoice_f{failed.pk}")
    assert Invoice.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_file_processed_outside_a_transaction_shows_its_progress_chunk_by_chunk(
    innotrac, cfo, monkeypatch
):
    from abl import bulk

    monkeypatch.setattr(bulk, "CHUNK_ROWS", 3)
    stages: list[str] = []
    beat = processing.Claim.beat
    monkeypatch.setattr(
        processing.Claim,
        "beat",
        lambda claim, percent, stage: stages.append(stage) or beat(claim, percent, stage),
    )
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)

    aging = _accept(draft, cfo, AGING)

    assert [s for s in stages if s.startswith("Stored")] == [
        "Stored 3 of 7 rows",
        "Stored 6 of 7 rows",
        "Stored 7 of 7 rows",
    ]
    assert Invoice.objects.filter(file=aging).count() == 7


def test_inside_a_transaction_the_rows_go_at_once_without_progress_nobody_could_see(
    draft, cfo, monkeypatch
):
    from abl import bulk

    monkeypatch.setattr(bulk, "CHUNK_ROWS", 3)
    stages: list[str] = []
    beat = processing.Claim.beat
    monkeypatch.setattr(
        processing.Claim,
        "beat",
        lambda claim, percent, stage: stages.append(stage) or beat(claim, percent, stage),
    )

    aging = _accept(draft, cfo, AGING)

    assert not [s for s in stages if s.startswith("Stored")]
    assert Invoice.objects.filter(file=aging).count() == 7
    assert sum(i.amount_cents for i in Invoice.objects.filter(file=aging)) == 124_500_000


@pytest.mark.postgres
def test_a_customers_rows_are_found_through_the_files_brin_index(draft, cfo):
    aging = _accept(draft, cfo, AGING)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [f"abl_invoice_f{aging.pk}"]
        )
        indexes = sorted(definition for (definition,) in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        query = Invoice.objects.filter(file=aging, customer_id="ACME").order_by("row")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert len(indexes) == 2  # the customer's, and the positions' (a page is a range)
    assert "USING brin (customer_id)" in indexes[0]
    assert "USING brin (seq)" in indexes[1]
    assert f"Bitmap Index Scan on abl_invoice_f{aging.pk}_customer_id_idx" in plan
    assert list(query.values_list("invoice_number", flat=True)) == ["AC-1", "AC-2"]


def _constraints(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", MIGRATOR])
def test_the_brin_migration_goes_back_to_a_primary_key_and_forward_again(innotrac, cfo):
    from io import StringIO

    from django.core.management import call_command

    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    aging = _accept(draft, cfo, AGING)

    call_command("migrate", "abl", "0006", database=MIGRATOR, verbosity=0)
    key_after_going_back = _constraints("abl_invoice")
    call_command("migrate", "abl", database=MIGRATOR, verbosity=0)
    if MIGRATOR == "owner":  # the tables made again are the owner's, as after a release
        call_command("grant_app_role", stdout=StringIO())

    assert key_after_going_back == {"abl_invoice_pkey"}
    assert _constraints("abl_invoice") == set()
    assert Invoice.objects.filter(file=aging).count() == 7
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'abl_invoice'")
        assert sorted(name for (name,) in cursor.fetchall()) == [
            "abl_invoice_customer_brin",
            "abl_invoice_seq_brin",
        ]


@pytest.mark.postgres
def test_a_files_rows_have_statistics_as_soon_as_they_are_attached(draft, cfo):
    aging = _accept(draft, cfo, AGING)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_stats WHERE tablename = %s ORDER BY attname",
            [f"abl_invoice_f{aging.pk}"],
        )
        columns = [name for (name,) in cursor.fetchall()]

    # Without statistics the planner reads the whole file for one customer's page.
    assert "customer_id" in columns
