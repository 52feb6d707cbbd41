"""On PostgreSQL, invoice rows are found by a BRIN index instead of a B-tree key.

Each file's rows are written once, sorted by customer and row, into a partition
of their own (0006). A B-tree over a million rows cost more to build than the
rows cost to write, and only checked what the reader already guarantees: each
row has its own spreadsheet row number. A BRIN index records, for each run of
eight pages, the least and greatest customer id in it; the rows being sorted, a
customer's rows are found by reading the few runs that can hold them. It is
built in one quick pass when the partition is attached.

Django's model keeps (file, customer_id, row) as its key. On SQLite this
migration does nothing: the table keeps its primary key.
"""

from django.db import migrations

PARENT = "abl_invoice"
INDEX = "abl_invoice_customer_brin"


def to_brin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {PARENT} DROP CONSTRAINT {PARENT}_pkey")
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON {PARENT} USING brin (customer_id) WITH (pages_per_range = 8)"
    )


def to_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX {INDEX}")
    schema_editor.execute(f'ALTER TABLE {PARENT} ADD PRIMARY KEY (file_id, customer_id, "row")')


class Migration(migrations.Migration):
    dependencies = [("abl", "0006_invoice_partitions")]

    operations = [migrations.RunPython(to_brin, to_key)]
