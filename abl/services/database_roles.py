"""The application's database role on PostgreSQL: everything it needs, and not the audit trail.

Migrations run as the owner role (DATABASE_OWNER_URL, the "owner" connection),
which owns the tables. The application connects as another role
(DATABASE_URL), which grant_app_role() gives, run as the owner after every
migrate:

- USAGE and CREATE on the schema; SELECT, INSERT, UPDATE, DELETE on every
  table, and the sequences;
- on abl_auditevent only SELECT and INSERT: no UPDATE, DELETE or TRUNCATE,
  and as it owns no such table it can neither ALTER TABLE … DISABLE TRIGGER
  nor drop the triggers; nor, not being a superuser, SET
  session_replication_role;
- ownership of the partitioned tables (abl_invoice) and their partitions:
  abl/bulk.py creates, attaches and drops a partition per file at runtime,
  which PostgreSQL allows only the owner of the parent table.

Idempotent: run twice, the grants are the same.
"""

from django.db import connections

AUDIT_TABLE = "abl_auditevent"


def grant_app_role(*, using: str = "owner", app_role: str) -> list[str]:
    """Grant `app_role` the application's privileges, as the owner; the statements run."""
    connection = connections[using]
    quote = connection.ops.quote_name
    role = quote(app_role)
    statements = [
        f"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(AUDIT_TABLE)} FROM {role}",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND (c.oid IN (SELECT partrelid FROM pg_partitioned_table) "
            "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent IN "
            "(SELECT partrelid FROM pg_partitioned_table))) "
            "AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s) ORDER BY c.relname",
            [app_role],
        )
        partitioned = [name for (name,) in cursor.fetchall()]
        statements += [f"ALTER TABLE {quote(name)} OWNER TO {role}" for name in partitioned]
        for statement in statements:
            cursor.execute(statement)
    return statements
