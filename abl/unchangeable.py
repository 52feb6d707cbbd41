"""Tables whose rows, once written, the database refuses to change or delete.

`refuse_changes(table)` is a migration operation: a trigger on PostgreSQL and
on SQLite that refuses every UPDATE and DELETE of the table's rows, whatever
the application does (the same rule as the audit trail, abl/0002).
"""

from typing import Any

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION {table}_unchangeable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is unchangeable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_unchangeable();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS {table}_no_change ON {table};
DROP FUNCTION IF EXISTS {table}_unchangeable();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} is unchangeable'); END;""",
    """CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} is unchangeable'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS {table}_no_update;",
    "DROP TRIGGER IF EXISTS {table}_no_delete;",
]


def refuse_changes(table: str) -> migrations.RunPython:
    def run(statements: dict[str, list[str]], schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise RuntimeError(f"No unchangeable-table trigger for database vendor {vendor!r}")
        for sql in statements[vendor]:
            schema_editor.execute(sql.format(table=table))

    def forward(apps: Any, schema_editor: Any) -> None:
        run({"postgresql": [PG_FORWARD], "sqlite": SQLITE_FORWARD}, schema_editor)

    def reverse(apps: Any, schema_editor: Any) -> None:
        run({"postgresql": [PG_REVERSE], "sqlite": SQLITE_REVERSE}, schema_editor)

    return migrations.RunPython(forward, reverse)
