"""Invoice rows get a primary key the database enforces: (file, position).

Each row's position in its file's drill-down order (`seq`, 0013) is unique in
the file, so (file_id, seq) is the key. On PostgreSQL it is a B-tree on each
file's partition, built in one sorted pass when the partition is attached;
a customer's page is a range of it, so the two BRIN indexes (customer, 0007;
positions, 0013) go. On SQLite the table is made again with the new key.

Rows and customer lines stored before 0013 get their positions here, by the
rule abl.services.processing and abl.services.computations write them with:
customers in code-point order of their ids, a customer's rows in row order.
"""

from django.db import migrations, models

# Positions for files stored before 0013 (all their rows at 0); "C" is code-point order.
NUMBER_ROWS = """
UPDATE abl_invoice SET seq = numbered.position
FROM (
    SELECT file_id, customer_id, "row",
           row_number() OVER (PARTITION BY file_id ORDER BY customer_id {collate}, "row") - 1 AS position
    FROM abl_invoice
    WHERE file_id IN (SELECT file_id FROM abl_invoice GROUP BY file_id HAVING max(seq) = 0 AND count(*) > 1)
) AS numbered
WHERE abl_invoice.file_id = numbered.file_id
  AND abl_invoice.customer_id = numbered.customer_id
  AND abl_invoice."row" = numbered."row"
"""
# Where each customer starts: the invoices of the customers before it, in the same order.
NUMBER_LINES = """
UPDATE abl_customerline SET first_seq = numbered.first_seq
FROM (
    SELECT id, sum(invoice_count) OVER (
        PARTITION BY computation_id ORDER BY customer_id {collate}
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) - invoice_count AS first_seq
    FROM abl_customerline
) AS numbered
WHERE abl_customerline.id = numbered.id AND abl_customerline.first_seq IS NULL
"""
COLLATE = {"postgresql": 'COLLATE "C"', "sqlite": ""}

SQLITE_COLUMNS = (
    '"customer_id" varchar(100) NOT NULL, "row" integer unsigned NOT NULL CHECK ("row" >= 0), '
    '"invoice_number" varchar(100) NOT NULL, "invoice_date" date NOT NULL, "due_date" date NULL, '
    '"amount_cents" bigint NOT NULL, "file_id" bigint NOT NULL, '
    '"seq" integer unsigned NOT NULL CHECK ("seq" >= 0)'
)
COPY_COLUMNS = '"customer_id", "row", "invoice_number", "invoice_date", "due_date", "amount_cents", "file_id", "seq"'


def _remake_sqlite_table(execute, key: str, index: str | None) -> None:
    execute("DROP INDEX IF EXISTS abl_invoice_file_seq")
    execute(f'CREATE TABLE "abl_invoice_new" ({SQLITE_COLUMNS}, PRIMARY KEY ({key}))')
    execute(f"INSERT INTO abl_invoice_new ({COPY_COLUMNS}) SELECT {COPY_COLUMNS} FROM abl_invoice")  # noqa: S608 - names are ours
    execute("DROP TABLE abl_invoice")
    execute("ALTER TABLE abl_invoice_new RENAME TO abl_invoice")
    if index:
        execute(index)


def number_and_key(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    execute(NUMBER_ROWS.format(collate=COLLATE[vendor]))
    execute(NUMBER_LINES.format(collate=COLLATE[vendor]))
    if vendor == "postgresql":
        execute("DROP INDEX IF EXISTS abl_invoice_customer_brin")
        execute("DROP INDEX IF EXISTS abl_invoice_seq_brin")
        execute("ALTER TABLE abl_invoice ADD PRIMARY KEY (file_id, seq)")
    else:
        _remake_sqlite_table(execute, '"file_id", "seq"', None)


def unkey(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute("ALTER TABLE abl_invoice DROP CONSTRAINT abl_invoice_pkey")
        execute(
            "CREATE INDEX abl_invoice_customer_brin ON abl_invoice "
            "USING brin (customer_id) WITH (pages_per_range = 8)"
        )
        execute("CREATE INDEX abl_invoice_seq_brin ON abl_invoice USING brin (seq)")
    else:
        _remake_sqlite_table(
            execute,
            '"file_id", "customer_id", "row"',
            "CREATE INDEX abl_invoice_file_seq ON abl_invoice (file_id, seq)",
        )


class Migration(migrations.Migration):
    dependencies = [("abl", "0013_invoice_positions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(number_and_key, unkey)],
            state_operations=[
                migrations.AlterField(
                    model_name="invoice",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "file", "seq", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                # Every row is written with its position (Django keeps no default in the table).
                migrations.AlterField(
                    model_name="invoice", name="seq", field=models.PositiveIntegerField()
                ),
            ],
        ),
        migrations.AlterField(
            model_name="customerline",
            name="first_seq",
            field=models.PositiveIntegerField(),
        ),
    ]
