"""A schema of their own for the invoice rows' partitions (abl/bulk.py), on PostgreSQL.

The application's role creates a table per collateral file at runtime. With
the partitions in `abl_partitions`, it needs CREATE there alone, and
grant_app_role takes CREATE on `public` away from it: `public` is where every
connection looks names up (search_path, config/settings.py), so nothing the
application's role could create there is ever called by name. Partitions
already made move here (as their owner, the application's role, of which the
owner is a member: docs/deployment.md, "Database roles").
"""

from django.db import migrations

SCHEMA = "abl_partitions"
TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname LIKE 'abl\\_invoice\\_f%%' "
    "ORDER BY c.relname"
)


def _move(schema_editor, source: str, target: str) -> None:
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(TABLES, [source])
        names = [name for (name,) in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"ALTER TABLE {quote(source)}.{quote(name)} SET SCHEMA {quote(target)}")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        _move(schema_editor, "public", SCHEMA)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _move(schema_editor, SCHEMA, "public")
        schema_editor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA}")


class Migration(migrations.Migration):
    dependencies = [("abl", "0022_audit_chain_per_facility")]

    operations = [migrations.RunPython(forward, reverse)]
