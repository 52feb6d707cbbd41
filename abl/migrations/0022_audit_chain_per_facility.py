"""A hash chain per facility, keyed (abl/audit.py), and no audit function in the database.

Drops abl_audit_append() (0021): the hash is computed in Python alone. Adds
the event's `chain` and re-seals the existing trail into the new chains with
the keyed hash, after checking the old single chain (unkeyed SHA-256, as 0010
and 0021 wrote it): a broken trail is refused, never re-sealed, since that
would bless whatever was done to it.

Re-sealing rewrites `chain`, `previous_hash` and `hash`, which the append-only
trigger refuses: as 0010 does, the owner switches the trigger off inside this
migration's transaction and back on before it commits (ALTER TABLE holds an
exclusive lock until then, so no other session sees the table unguarded).
"""

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.db import migrations, models

append_only = import_module("abl.migrations.0002_audit_append_only")
append_function = import_module("abl.migrations.0021_audit_append_function")
unkeyed_hash = import_module("abl.migrations.0010_audit_chain").unkeyed_hash  # 0010 to 0021

GENESIS = "0" * 64
BATCH = 2000
FIELDS = (
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
)


def keyed_hash(**content: Any) -> str:
    from abl.audit import event_hash

    return event_hash(**content)


def _walk(AuditEvent, alias: str):
    """Every event's content and stored hashes, in id order, a batch at a time."""
    last_id = 0
    while True:
        rows = list(
            AuditEvent.objects.using(alias)
            .filter(id__gt=last_id)
            .order_by("id")
            .values(*FIELDS, "previous_hash", "hash")[:BATCH]
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1]["id"]


def _check_single_chain(AuditEvent, alias: str) -> None:
    previous = GENESIS
    for row in _walk(AuditEvent, alias):
        content = {name: row[name] for name in FIELDS}
        sealed = unkeyed_hash(**content, previous_hash=previous)
        if row["previous_hash"] != previous or sealed != row["hash"]:
            raise RuntimeError(
                f"The audit trail is broken at event {row['id']} (python manage.py "
                "verify_audit on the code before this migration says how): it is not re-sealed. "
                "Restore the trail from a backup, then migrate."
            )
        previous = row["hash"]


def _reseal(
    apps, schema_editor, chain_of: Callable[[int | None], int], digest: Callable[..., str]
) -> None:
    AuditEvent = apps.get_model("abl", "AuditEvent")
    connection = schema_editor.connection
    alias = connection.alias
    postgres = connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE abl_auditevent DISABLE TRIGGER abl_auditevent_no_update")
    else:
        append_only.reverse(apps, schema_editor)
    heads: dict[int, str] = {}
    updates: list[tuple[int, str, str, int]] = []
    for row in _walk(AuditEvent, alias):
        content = {name: row[name] for name in FIELDS}
        chain = chain_of(row["facility_id"])
        previous = heads.get(chain, GENESIS)
        heads[chain] = digest(**content, previous_hash=previous)
        updates.append((chain, previous, heads[chain], row["id"]))
        if len(updates) >= BATCH:
            _write(connection, updates)
    _write(connection, updates)
    if postgres:
        schema_editor.execute("ALTER TABLE abl_auditevent ENABLE TRIGGER abl_auditevent_no_update")
    else:
        append_only.forward(apps, schema_editor)


def _write(connection, updates: list) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE abl_auditevent SET chain = %s, previous_hash = %s, hash = %s WHERE id = %s",
            updates,
        )
    updates.clear()


def into_chains(apps, schema_editor):
    _check_single_chain(apps.get_model("abl", "AuditEvent"), schema_editor.connection.alias)
    _reseal(apps, schema_editor, lambda facility_id: facility_id or 0, keyed_hash)


def into_one_chain(apps, schema_editor):
    _reseal(apps, schema_editor, lambda facility_id: 0, unkeyed_hash)


def triggers_again_on_sqlite(apps, schema_editor):
    """Going back, SQLite drops the column by rebuilding the table, and its triggers with it."""
    if schema_editor.connection.vendor == "sqlite":
        append_only.reverse(apps, schema_editor)
        append_only.forward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("abl", "0021_audit_append_function")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, triggers_again_on_sqlite),
        migrations.RunPython(append_function.reverse, append_function.forward),
        migrations.AddField(
            model_name="auditevent", name="chain", field=models.BigIntegerField(default=0)
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["chain", "id"], name="abl_audit_chain_id"),
        ),
        migrations.RunPython(into_chains, into_one_chain),
    ]
