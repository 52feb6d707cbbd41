"""The loan ledger and advance requests (docs/loans.md); a facility's default date.

Ledger entries are append-only in the database: a trigger refuses UPDATE and
DELETE (PostgreSQL and SQLite). On PostgreSQL a second trigger checks, on every
insert, that the entry continues its facility's chain (the entry `seq - 1`
exists and `balance_after` is its balance plus this amount) and that an
advance's line cap is at most that of the approved certificate of the same
facility it names. With the unique (facility, seq) and the CHECK that an
advance's `balance_after` is at most its line cap, two approvals can never
together take the balance above the line cap, whatever the application does.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


PG_FORWARD = """
CREATE OR REPLACE FUNCTION abl_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'abl_ledgerentry is append-only: a correction is a new entry';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER abl_ledgerentry_no_update BEFORE UPDATE OR DELETE ON abl_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION abl_ledger_append_only();

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
PG_REVERSE = """
DROP TRIGGER IF EXISTS abl_ledgerentry_chain ON abl_ledgerentry;
DROP FUNCTION IF EXISTS abl_ledger_chain();
DROP TRIGGER IF EXISTS abl_ledgerentry_no_update ON abl_ledgerentry;
DROP FUNCTION IF EXISTS abl_ledger_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER abl_ledgerentry_no_update BEFORE UPDATE ON abl_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'abl_ledgerentry is append-only'); END;""",
    """CREATE TRIGGER abl_ledgerentry_no_delete BEFORE DELETE ON abl_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'abl_ledgerentry is append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS abl_ledgerentry_no_update;",
    "DROP TRIGGER IF EXISTS abl_ledgerentry_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [PG_FORWARD], "sqlite": SQLITE_FORWARD}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No ledger triggers for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": [PG_REVERSE], "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("abl", "0014_invoice_primary_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="facility",
            name="in_default_since",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="AdvanceRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        help_text="The requester's idempotency key: the same key, one request",
                        max_length=100,
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=18)),
                ("value_date", models.DateField()),
                ("purpose", models.CharField(blank=True, max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Requested"),
                            ("approved", "Approved"),
                            ("declined", "Declined"),
                        ],
                        default="requested",
                        max_length=20,
                    ),
                ),
                ("requested_at", models.DateTimeField(auto_now_add=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("comment", models.TextField(blank=True)),
                (
                    "excess_before",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="At approval: excess availability before the advance",
                        max_digits=18,
                        null=True,
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "facility",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="advance_requests",
                        to="abl.facility",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="LedgerEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "seq",
                    models.PositiveIntegerField(
                        help_text="1, 2, 3 … per facility, in the order written"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("opening", "Opening balance"),
                            ("advance", "Advance"),
                            ("repayment", "Repayment"),
                            ("collection", "Collection"),
                            ("interest", "Interest"),
                            ("fee", "Fee"),
                            ("correction", "Correction"),
                        ],
                        max_length=20,
                    ),
                ),
                ("value_date", models.DateField()),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="Signed: + raises the outstanding balance",
                        max_digits=18,
                    ),
                ),
                (
                    "balance_after",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="Every entry written so far, this one included, whatever its value date",
                        max_digits=18,
                    ),
                ),
                (
                    "line_cap",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="An advance: the line cap of the certificate it was approved against",
                        max_digits=18,
                        null=True,
                    ),
                ),
                ("description", models.CharField(blank=True, max_length=300)),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text="Where it came from, e.g. a CSV file's SHA-256 and row",
                        max_length=200,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "advance",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entry",
                        to="abl.advancerequest",
                    ),
                ),
                (
                    "certificate",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="abl.certificate",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "facility",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger",
                        to="abl.facility",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "ledger entries",
                "ordering": ["facility", "seq"],
            },
        ),
        migrations.AddConstraint(
            model_name="advancerequest",
            constraint=models.UniqueConstraint(
                fields=("facility", "key"), name="advance_one_request_per_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="advancerequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="advance_amount_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="advancerequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decided_by__isnull", True), ("status", "requested")),
                    models.Q(
                        models.Q(("status", "requested"), _negated=True),
                        ("decided_by__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="advance_decided_when_not_requested",
            ),
        ),
        migrations.AddConstraint(
            model_name="advancerequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("decided_by__isnull", True),
                    models.Q(("decided_by", models.F("requested_by")), _negated=True),
                    _connector="OR",
                ),
                name="advance_never_self_approved",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=["facility", "value_date"], name="abl_ledgere_facilit_a0c604_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                fields=("facility", "seq"), name="ledger_one_entry_per_place"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source", ""), _negated=True),
                fields=("facility", "source"),
                name="ledger_source_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("seq__gte", 1)), name="ledger_seq_from_one"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount", 0), _negated=True), name="ledger_amount_not_zero"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("amount__gt", 0), ("kind__in", ["advance", "interest", "fee", "opening"])
                    ),
                    models.Q(("amount__lt", 0), ("kind__in", ["repayment", "collection"])),
                    ("kind", "correction"),
                    _connector="OR",
                ),
                name="ledger_sign_follows_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "advance"), _negated=True),
                    models.Q(
                        ("advance__isnull", False),
                        ("balance_after__lte", models.F("line_cap")),
                        ("certificate__isnull", False),
                        ("line_cap__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="ledger_advance_within_line_cap",
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
