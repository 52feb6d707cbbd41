"""The application's database role on PostgreSQL: everything it needs, and not the audit trail.

Migrations run as the owner role (DATABASE_OWNER_URL, the "owner" connection),
which owns the tables. The application connects as another role
(DATABASE_URL), which grant_app_role() gives, run as the owner after every
migrate:

- USAGE on the schema `public`, and no CREATE there (nor for PUBLIC): it
  can plant no function or table where the application looks names up
  (its connections' search_path is `public`, config/settings.py); nor
  CREATE on the database (no schema of its own) nor TEMPORARY (no
  temporary table to shadow one);
- USAGE and CREATE on the schema `abl_partitions` (migration 0023), the
  invoice rows' partitions, which abl/bulk.py creates there at runtime;
  no application connection looks names up in it;
- SELECT, INSERT, UPDATE, DELETE on every table, and the sequences;
- on abl_auditevent only SELECT and INSERT: no UPDATE, DELETE or TRUNCATE,
  and as it owns no such table it can neither ALTER TABLE … DISABLE TRIGGER
  nor drop the triggers; nor, not being a superuser, SET
  session_replication_role;
- ownership of the partitioned tables (abl_invoice) and their partitions:
  abl/bulk.py creates, attaches and drops a partition per file at runtime,
  which PostgreSQL allows only the owner of the parent table.

Idempotent: run twice, the grants are the same.
"""

from django.db import connections, transaction

from abl.bulk import PARTITION_SCHEMA

AUDIT_TABLE = "abl_auditevent"


def grant_app_role(*, using: str = "owner", app_role: str) -> list[str]:
    """Grant `app_role` the application's privileges, as the owner; the statements run."""
    connection = connections[using]
    quote = connection.ops.quote_name
    role = quote(app_role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = quote(cursor.fetchone()[0])
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT USAGE, CREATE ON SCHEMA {quote(PARTITION_SCHEMA)} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON public.{quote(AUDIT_TABLE)} FROM {role}",
    ]
    # One transaction: the CREATE on `public` that PostgreSQL requires of a table's new owner
    # is granted and taken back before anyone else can see it.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('public', %s) AND (c.oid IN (SELECT partrelid FROM pg_partitioned_table) "
            "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent IN "
            "(SELECT partrelid FROM pg_partitioned_table))) "
            "AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s) ORDER BY 1",
            [PARTITION_SCHEMA, app_role],
        )
        partitioned = [name for (name,) in cursor.fetchall()]
        if partitioned:
            statements.append(f"GRANT CREATE ON SCHEMA public TO {role}")
            statements += [f"ALTER TABLE {name} OWNER TO {role}" for name in partitioned]
        statements += [
            f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}",
            f"REVOKE CREATE, TEMPORARY ON DATABASE {database} FROM PUBLIC, {role}",
        ]
        for statement in statements:
            cursor.execute(statement)
    return statements
