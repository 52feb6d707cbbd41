"""A compliance certificate never changes: the database refuses UPDATE and DELETE of its row.

On PostgreSQL and SQLite alike, as for the audit trail (abl/0002).
"""

from django.db import migrations

TABLE = "covenants_compliancecertificate"
PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION covenants_certificate_unchangeable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{TABLE} is unchangeable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION covenants_certificate_unchangeable();
"""
PG_REVERSE = f"""
DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE};
DROP FUNCTION IF EXISTS covenants_certificate_unchangeable();
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
       BEGIN SELECT RAISE(ABORT, '{TABLE} is unchangeable'); END;""",
    f"""CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
       BEGIN SELECT RAISE(ABORT, '{TABLE} is unchangeable'); END;""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [PG_FORWARD], "sqlite": SQLITE_FORWARD}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No unchangeable-certificate trigger for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": [PG_REVERSE], "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("covenants", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
