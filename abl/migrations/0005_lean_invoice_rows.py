"""Invoice rows keyed by (file, customer, row), with amounts in integer cents.

The customer's name, country and flags move off the row (they live on the
CustomerLine of each computation). Django cannot turn a single-column key into a
composite one, so the old table is renamed, the new one made and filled from it,
and the old one dropped: rows already stored are kept.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_rows(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote('abl_invoice')} "
        f"(file_id, customer_id, {quote('row')}, invoice_number, invoice_date, due_date, amount_cents) "
        f"SELECT file_id, customer_id, {quote('row')}, invoice_number, invoice_date, due_date, "
        f"CAST(ROUND(amount * 100) AS BIGINT) FROM {quote('abl_legacyinvoice')}"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("abl", "0004_input_rows_without_fk_checks"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="invoice", name="abl_invoice_file_id_d5da22_idx"),
        migrations.RenameModel(old_name="Invoice", new_name="LegacyInvoice"),
        migrations.AlterField(
            model_name="legacyinvoice",
            name="file",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="abl.collateralfile",
            ),
        ),
        migrations.CreateModel(
            name="Invoice",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "file",
                        "customer_id",
                        "row",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("customer_id", models.CharField(max_length=100)),
                ("row", models.PositiveIntegerField()),
                ("invoice_number", models.CharField(max_length=100)),
                ("invoice_date", models.DateField()),
                ("due_date", models.DateField(blank=True, null=True)),
                ("amount_cents", models.BigIntegerField()),
                (
                    "file",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invoices",
                        to="abl.collateralfile",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_rows, migrations.RunPython.noop),
        migrations.DeleteModel(name="LegacyInvoice"),
    ]
