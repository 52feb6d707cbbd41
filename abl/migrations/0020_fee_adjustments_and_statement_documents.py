# Interest adjustments (a back-valued entry in a posted month) and the fee statement's PDF.

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from abl.unchangeable import SQLITE_FORWARD, SQLITE_REVERSE, refuse_changes


def _sqlite_triggers_again(apps: Any, schema_editor: Any) -> None:
    """SQLite changes a table's constraints by making the table anew, which drops its
    triggers: abl_feecharge refuses UPDATE and DELETE again (PostgreSQL keeps them)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in [*SQLITE_REVERSE, *SQLITE_FORWARD]:
        schema_editor.execute(sql.format(table="abl_feecharge"))


class Migration(migrations.Migration):
    dependencies = [
        ("abl", "0019_fee_ledger"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="feecharge",
            name="fee_amount_positive",
        ),
        migrations.AddField(
            model_name="feecharge",
            name="recomputed_through",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="An interest adjustment: the last ledger entry (seq) the month was worked on",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="feecharge",
            name="kind",
            field=models.CharField(
                choices=[
                    ("monitoring", "Monthly monitoring fee"),
                    ("setup", "Online reporting set-up fee"),
                    ("field_exam", "Field exam"),
                    ("interest", "Interest"),
                    ("interest_adjustment", "Interest adjustment"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="feecharge",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "interest_adjustment")),
                fields=("facility", "period", "recomputed_through"),
                name="fee_adjustment_once_per_ledger_state",
            ),
        ),
        migrations.AddConstraint(
            model_name="feecharge",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount__gt", 0),
                    models.Q(
                        ("kind", "interest_adjustment"),
                        models.Q(("amount", 0), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="fee_amount_positive_or_an_adjustment",
            ),
        ),
        migrations.AddConstraint(
            model_name="feecharge",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind", "interest_adjustment"), ("recomputed_through__isnull", False)
                    ),
                    models.Q(
                        models.Q(("kind", "interest_adjustment"), _negated=True),
                        ("recomputed_through__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="fee_adjustment_names_its_ledger_state",
            ),
        ),
        migrations.RunPython(_sqlite_triggers_again, migrations.RunPython.noop),
        migrations.CreateModel(
            name="FeeStatementDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.DateField(help_text="The first day of the statement's month")),
                (
                    "state",
                    models.CharField(help_text="SHA-256 of the statement's figures", max_length=64),
                ),
                ("total", models.DecimalField(decimal_places=2, max_digits=18)),
                ("pdf", models.BinaryField()),
                ("sha256", models.CharField(max_length=64)),
                ("rendered_at", models.DateTimeField(auto_now_add=True)),
                (
                    "facility",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="fee_statement_documents",
                        to="abl.facility",
                    ),
                ),
            ],
            options={
                "ordering": ["facility", "period", "rendered_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("facility", "period", "state"),
                        name="fee_statement_pdf_once_per_state",
                    )
                ],
            },
        ),
        # A statement's PDF, once stored, is never changed or deleted.
        refuse_changes("abl_feestatementdocument"),
    ]
