"""The audit hash chain (abl.audit): seal the events written before it, refuse TRUNCATE.

Filling the chain must write `previous_hash` and `hash` into existing rows,
which the append-only trigger refuses: this migration, run as the table's
owner, switches that trigger off inside its own transaction, fills the chain in
id order, and switches it back on before committing, so no other session ever
sees the table unguarded (ALTER TABLE holds an exclusive lock until commit).

TRUNCATE fires no row trigger, so PostgreSQL gets a statement-level one. It
lets the table's owner (and superusers) through: the test runner empties the
database with TRUNCATE between transactional tests, and the owner could switch
the trigger off anyway. Everyone else is refused, even if granted TRUNCATE by
mistake; the application's role has no TRUNCATE privilege in the first place
(docs/deployment.md, "Database roles").
"""

import datetime as dt
import hashlib
import json
from importlib import import_module

import django.utils.timezone
from django.db import migrations, models

append_only = import_module("abl.migrations.0002_audit_append_only")

PG_TRUNCATE = """
CREATE OR REPLACE FUNCTION abl_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RAISE EXCEPTION 'abl_auditevent is append-only: TRUNCATE is refused';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER abl_auditevent_no_truncate BEFORE TRUNCATE ON abl_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION abl_audit_no_truncate();
"""
PG_TRUNCATE_REVERSE = """
DROP TRIGGER IF EXISTS abl_auditevent_no_truncate ON abl_auditevent;
DROP FUNCTION IF EXISTS abl_audit_no_truncate();
"""
BATCH = 2000
CHAIN_LOCK_KEY = 0x61626C5F61756474  # the one chain's advisory lock until 0022
GENESIS = "0" * 64


def unkeyed_hash(**content):
    """The hash the trail held until 0022 made it keyed: SHA-256 of the canonical content."""
    content["created_at"] = content["created_at"].astimezone(dt.UTC).isoformat(
        timespec="microseconds"
    )
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def fill_chain(apps, schema_editor):
    AuditEvent = apps.get_model("abl", "AuditEvent")
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        schema_editor.execute("ALTER TABLE abl_auditevent DISABLE TRIGGER abl_auditevent_no_update")
    else:
        append_only.reverse(apps, schema_editor)
    previous, last_id = GENESIS, 0
    fields = [
        "id",
        "created_at",
        "actor_id",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "facility_id",
        "summary",
        "changes",
    ]
    while True:
        rows = list(
            AuditEvent.objects.using(connection.alias)
            .filter(id__gt=last_id)
            .order_by("id")
            .values(*fields)[:BATCH]
        )
        if not rows:
            break
        updates = []
        for row in rows:
            digest = unkeyed_hash(**row, previous_hash=previous)
            updates.append((previous, digest, row["id"]))
            previous, last_id = digest, row["id"]
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE abl_auditevent SET previous_hash = %s, hash = %s WHERE id = %s", updates
            )
    if postgres:
        schema_editor.execute("ALTER TABLE abl_auditevent ENABLE TRIGGER abl_auditevent_no_update")
    else:
        append_only.forward(apps, schema_editor)


def refuse_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRUNCATE)


def drop_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRUNCATE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("abl", "0009_audit_hash_fields_and_session_generation")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.RunPython(fill_chain, migrations.RunPython.noop),
        migrations.RunPython(refuse_truncate, drop_truncate_trigger),
    ]
