"""abl_audit_append(): an audit event appended to the chain in one round trip (abl/audit.py).

Takes the chain's advisory lock; then the event's time (clock_timestamp(), so
that times follow the chain's order), its id from the table's sequence and the
last event's hash (GENESIS for the first); fills them into the gaps of the
canonical text that abl.audit.canonical_pieces() made, hashes it (SHA-256, hex,
as abl.audit.event_hash()) and inserts the row. A VOLATILE function's statements
each take a fresh snapshot, so the last hash is read after the lock is held and
sees the event of the writer it waited for. PostgreSQL only: on SQLite
abl/audit.py writes the event itself.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION abl_audit_append(
    chain_lock bigint,
    genesis text,
    pieces text[],
    new_actor_id bigint,
    new_actor_name text,
    new_action text,
    new_object_type text,
    new_object_id text,
    new_facility_id bigint,
    new_summary text,
    new_changes text
) RETURNS TABLE (
    event_id bigint, event_created_at timestamptz, event_previous_hash text, event_hash text
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    moment timestamptz;
    new_id bigint;
    previous text;
    digest text;
BEGIN
    PERFORM pg_advisory_xact_lock(chain_lock);
    moment := clock_timestamp();
    new_id := nextval(pg_get_serial_sequence('abl_auditevent', 'id'));
    SELECT last.hash INTO previous FROM abl_auditevent last ORDER BY last.id DESC LIMIT 1;
    previous := COALESCE(previous, genesis);
    digest := encode(sha256(convert_to(
        pieces[1] || to_char(moment AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
        || pieces[2] || new_id || pieces[3] || previous || pieces[4],
        'UTF8'
    )), 'hex');
    INSERT INTO abl_auditevent (
        id, created_at, actor_id, actor_name, action, object_type, object_id, facility_id,
        summary, changes, previous_hash, hash
    ) VALUES (
        new_id, moment, new_actor_id, new_actor_name, new_action, new_object_type,
        new_object_id, new_facility_id, new_summary, new_changes::jsonb, previous, digest
    );
    RETURN QUERY SELECT new_id, moment, previous, digest;
END;
$$;
"""
REVERSE = (
    "DROP FUNCTION IF EXISTS abl_audit_append("
    "bigint, text, text[], bigint, text, text, text, text, bigint, text, text);"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("abl", "0020_fee_adjustments_and_statement_documents")]

    operations = [migrations.RunPython(forward, reverse)]
