"""The certificate's outstanding comes from the loan ledger (abl.services.computations);
the figure the borrower typed stays, as its own reported figure, shown beside the ledger's.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("abl", "0015_loan_ledger")]

    operations = [
        migrations.RenameField(
            model_name="certificate", old_name="outstanding", new_name="reported_outstanding"
        ),
        migrations.AlterField(
            model_name="certificate",
            name="reported_outstanding",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Loans outstanding at the as-of date by the borrower's own books",
                max_digits=18,
                null=True,
            ),
        ),
    ]
