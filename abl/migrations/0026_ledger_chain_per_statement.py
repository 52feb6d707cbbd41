"""The ledger's chain checked once per INSERT statement, over the rows it inserted.

The rule is the one migration 0015 put in a row trigger: each entry continues
its facility's chain (the entry `seq - 1` exists, or `seq` is 1, and
`balance_after` is its balance plus this amount), and an advance's line cap is
at most that of the approved certificate of its own facility it names. The row
trigger looked up each entry's predecessor with a plan PL/pgSQL cached for the
session, which, when the table's statistics said it was small, was a scan of the
whole table: a file of repayments written in one statement took quadratic time.

Now an AFTER INSERT statement trigger reads the inserted rows (a transition
table), takes each row's predecessor from the row before it in the same
statement where it is there, and looks up only the first row of each run in the
table: linear in the rows inserted, whatever the plan. The advance's line cap is
still checked per row, for advances only.
"""

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS abl_ledgerentry_chain ON abl_ledgerentry;
DROP FUNCTION IF EXISTS abl_ledger_chain();

CREATE OR REPLACE FUNCTION abl_ledger_line_cap() RETURNS trigger AS $$
DECLARE
    cap numeric;
BEGIN
    SELECT (c.figures->>'line_cap')::numeric INTO cap
        FROM abl_certificate ct JOIN abl_computation c ON c.id = ct.approved_id
        WHERE ct.id = NEW.certificate_id AND ct.facility_id = NEW.facility_id
          AND ct.status = 'approved';
    IF cap IS NULL OR NEW.line_cap > cap THEN
        RAISE EXCEPTION 'an advance is measured against the line cap of an approved '
            'certificate of its own facility';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER abl_ledgerentry_line_cap BEFORE INSERT ON abl_ledgerentry
    FOR EACH ROW WHEN (NEW.kind = 'advance') EXECUTE FUNCTION abl_ledger_line_cap();

CREATE OR REPLACE FUNCTION abl_ledger_chain_rows() RETURNS trigger AS $$
DECLARE
    broken record;
BEGIN
    SELECT entry.facility_id, entry.seq, entry.amount, entry.balance_after, entry.previous
      INTO broken
      FROM (
        SELECT run.facility_id, run.seq, run.amount, run.balance_after,
               CASE WHEN run.seq = 1 THEN 0
                    WHEN run.before_seq = run.seq - 1 THEN run.before_balance
                    ELSE (SELECT earlier.balance_after FROM abl_ledgerentry earlier
                           WHERE earlier.facility_id = run.facility_id
                             AND earlier.seq = run.seq - 1)
               END AS previous
          FROM (SELECT inserted.facility_id, inserted.seq, inserted.amount,
                       inserted.balance_after,
                       lag(inserted.seq) OVER by_place AS before_seq,
                       lag(inserted.balance_after) OVER by_place AS before_balance
                  FROM abl_ledger_inserted inserted
                WINDOW by_place AS (PARTITION BY inserted.facility_id ORDER BY inserted.seq)
               ) run
      ) entry
     WHERE entry.previous IS NULL OR entry.balance_after <> entry.previous + entry.amount
     ORDER BY entry.facility_id, entry.seq
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF broken.previous IS NULL THEN
        RAISE EXCEPTION USING MESSAGE = 'ledger entry ' || broken.seq || ' of facility '
            || broken.facility_id || ' follows no entry ' || (broken.seq - 1);
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'ledger entry ' || broken.seq || ' of facility '
        || broken.facility_id || ': balance_after ' || broken.balance_after || ' is not '
        || broken.previous || ' + ' || broken.amount;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER abl_ledgerentry_chain_rows AFTER INSERT ON abl_ledgerentry
    REFERENCING NEW TABLE AS abl_ledger_inserted
    FOR EACH STATEMENT EXECUTE FUNCTION abl_ledger_chain_rows();
"""

# Migration 0015's row trigger, as it was.
REVERSE = """
DROP TRIGGER IF EXISTS abl_ledgerentry_chain_rows ON abl_ledgerentry;
DROP FUNCTION IF EXISTS abl_ledger_chain_rows();
DROP TRIGGER IF EXISTS abl_ledgerentry_line_cap ON abl_ledgerentry;
DROP FUNCTION IF EXISTS abl_ledger_line_cap();

CREATE OR REPLACE FUNCTION abl_ledger_chain() RETURNS trigger AS $$
DECLARE
    previous numeric;
    cap numeric;
BEGIN
    IF NEW.seq = 1 THEN
        previous := 0;
    ELSE
        SELECT balance_after INTO previous FROM abl_ledgerentry
            WHERE facility_id = NEW.facility_id AND seq = NEW.seq - 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING MESSAGE = 'ledger entry ' || NEW.seq || ' of facility '
                || NEW.facility_id || ' follows no entry ' || (NEW.seq - 1);
        END IF;
    END IF;
    IF NEW.balance_after <> previous + NEW.amount THEN
        RAISE EXCEPTION USING MESSAGE = 'ledger entry ' || NEW.seq || ' of facility '
            || NEW.facility_id || ': balance_after ' || NEW.balance_after || ' is not '
            || previous || ' + ' || NEW.amount;
    END IF;
    IF NEW.kind = 'advance' THEN
        SELECT (c.figures->>'line_cap')::numeric INTO cap
            FROM abl_certificate ct JOIN abl_computation c ON c.id = ct.approved_id
            WHERE ct.id = NEW.certificate_id AND ct.facility_id = NEW.facility_id
              AND ct.status = 'approved';
        IF cap IS NULL OR NEW.line_cap > cap THEN
            RAISE EXCEPTION 'an advance is measured against the line cap of an approved '
                'certificate of its own facility';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER abl_ledgerentry_chain BEFORE INSERT ON abl_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION abl_ledger_chain();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("abl", "0025_outbox")]

    operations = [migrations.RunPython(forward, reverse)]
