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
from django.db import IntegrityError, connection, connections, transaction

from abl.models import CollateralFile, CustomerLine, Invoice
from abl.services import collateral
from abl.services.processing import acceptance, claims
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
    acceptance.process_collateral_file(file_id=received.pk)
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
    assert failed.problems == [{"row": None, "column": None, "message": acceptance.FAILED}]
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
    beat = claims.Claim.beat
    monkeypatch.setattr(
        claims.Claim,
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
    beat = claims.Claim.beat
    monkeypatch.setattr(
        claims.Claim,
        "beat",
        lambda claim, percent, stage: stages.append(stage) or beat(claim, percent, stage),
    )

    aging = _accept(draft, cfo, AGING)

    assert not [s for s in stages if s.startswith("Stored")]
    assert Invoice.objects.filter(file=aging).count() == 7
    assert sum(i.amount_cents for i in Invoice.objects.filter(file=aging)) == 124_500_000


def test_the_database_refuses_a_second_row_at_the_same_place_in_a_file(draft, cfo):
    aging = _accept(draft, cfo, AGING)
    first = Invoice.objects.filter(file=aging).order_by("seq").first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.bulk_create(
            [
                Invoice(
                    file=aging,
                    seq=first.seq,
                    customer_id="OTHER",
                    row=999,
                    invoice_number="X-1",
                    invoice_date=AS_OF,
                    amount_cents=1,
                )
            ]
        )

    assert Invoice.objects.filter(file=aging).count() == 7


def test_a_customers_rows_are_a_range_of_positions_in_row_order(draft, cfo):
    aging = _accept(draft, cfo, AGING)

    rows = list(Invoice.objects.filter(file=aging).order_by("seq"))

    assert [r.seq for r in rows] == list(range(7))
    customers = [r.customer_id for r in rows]
    assert customers == sorted(customers)  # each customer's rows lie together
    for customer in set(customers):
        theirs = [r.row for r in rows if r.customer_id == customer]
        assert theirs == sorted(theirs)


@pytest.mark.postgres
def test_a_page_of_a_customer_is_read_through_the_files_primary_key(draft, cfo):
    aging = _accept(draft, cfo, AGING)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [f"abl_invoice_f{aging.pk}"]
        )
        indexes = [definition for (definition,) in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = off")
        query = Invoice.objects.filter(file=aging, seq__gte=0, seq__lt=2).order_by("seq")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert len(indexes) == 1
    assert "UNIQUE INDEX" in indexes[0]
    assert "(file_id, seq)" in indexes[0]
    assert f"abl_invoice_f{aging.pk}_pkey" in plan
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
def test_the_key_migration_numbers_rows_stored_before_positions_and_goes_back(innotrac, cfo):
    from io import StringIO

    from django.core.management import call_command

    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    aging = _accept(draft, cfo, AGING)
    positions = list(Invoice.objects.filter(file=aging).order_by("seq").values_list("row", "seq"))
    starts = dict(CustomerLine.objects.values_list("customer_id", "first_seq"))
    assert starts == {"ACME": 0, "AFFCO": 2, "BELLSOUTH": 3, "CREDITCO": 5, "MAPLE": 6}

    call_command("migrate", "abl", "0013", database=MIGRATOR, verbosity=0)
    key_after_going_back = _constraints("abl_invoice")
    with connections[MIGRATOR].cursor() as cursor:  # as rows and lines were stored before 0013
        cursor.execute("UPDATE abl_invoice SET seq = 0")
        cursor.execute("UPDATE abl_customerline SET first_seq = NULL")
    call_command("migrate", database=MIGRATOR, verbosity=0)  # and what depends on abl (reporting)
    if MIGRATOR == "owner":  # the tables made again are the owner's, as after a release
        call_command("grant_app_role", stdout=StringIO())

    assert key_after_going_back == set()
    assert _constraints("abl_invoice") == {"abl_invoice_pkey"}
    assert positions == list(
        Invoice.objects.filter(file=aging).order_by("seq").values_list("row", "seq")
    )
    assert starts == dict(CustomerLine.objects.values_list("customer_id", "first_seq"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'abl_invoice'")
        assert [name for (name,) in cursor.fetchall()] == ["abl_invoice_pkey"]


@pytest.mark.postgres
def test_the_planner_knows_a_files_row_count_as_soon_as_it_is_attached(draft, cfo):
    aging = _accept(draft, cfo, AGING)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [f"abl_invoice_f{aging.pk}"]
        )
        (rows,) = cursor.fetchone()

    # Building the key counts the rows; without a count the planner guesses from
    # the pages and may read the whole file for one page of one customer.
    assert rows == 7
