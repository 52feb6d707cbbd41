"""On PostgreSQL, invoice rows are partitioned by file (see abl/bulk.py).

Each receivables file's rows become a table of their own, attached to
`abl_invoice`: written without indexes and indexed once, in one sorted pass,
when attached; dropped in an instant when the file is replaced. Django's view of
the model does not change. On SQLite this migration does nothing.
"""

from django.db import migrations

PARENT = "abl_invoice"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {PARENT} RENAME TO {PARENT}_unpartitioned")
    run(
        f"CREATE TABLE {PARENT} (LIKE {PARENT}_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        "PARTITION BY LIST (file_id)"
    )
    run(f'ALTER TABLE {PARENT} ADD PRIMARY KEY (file_id, customer_id, "row")')
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT file_id FROM {PARENT}_unpartitioned ORDER BY file_id")
        keys = [key for (key,) in cursor.fetchall()]
    for key in keys:
        table = f"{PARENT}_f{int(key)}"
        run(f"CREATE TABLE {table} PARTITION OF {PARENT} FOR VALUES IN ({int(key)})")
        run(f"INSERT INTO {table} SELECT * FROM {PARENT}_unpartitioned WHERE file_id = {int(key)}")
    run(f"DROP TABLE {PARENT}_unpartitioned")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {PARENT} RENAME TO {PARENT}_partitioned")
    run(f"CREATE TABLE {PARENT} (LIKE {PARENT}_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    run(f'ALTER TABLE {PARENT} ADD PRIMARY KEY (file_id, customer_id, "row")')
    run(f"INSERT INTO {PARENT} SELECT * FROM {PARENT}_partitioned")
    run(f"DROP TABLE {PARENT}_partitioned")


class Migration(migrations.Migration):
    dependencies = [("abl", "0005_lean_invoice_rows")]

    operations = [migrations.RunPython(partition, unpartition)]
