"""Make the audit trail append-only in the database itself.

An UPDATE or DELETE on abl_auditevent raises, on PostgreSQL and SQLite alike.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION abl_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'abl_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER abl_auditevent_no_update BEFORE UPDATE OR DELETE ON abl_auditevent
    FOR EACH ROW EXECUTE FUNCTION abl_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS abl_auditevent_no_update ON abl_auditevent;
DROP FUNCTION IF EXISTS abl_audit_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER abl_auditevent_no_update BEFORE UPDATE ON abl_auditevent
       BEGIN SELECT RAISE(ABORT, 'abl_auditevent is append-only'); END;""",
    """CREATE TRIGGER abl_auditevent_no_delete BEFORE DELETE ON abl_auditevent
       BEGIN SELECT RAISE(ABORT, 'abl_auditevent is append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS abl_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS abl_auditevent_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [PG_FORWARD], "sqlite": SQLITE_FORWARD}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No append-only audit trigger for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": [PG_REVERSE], "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("abl", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
