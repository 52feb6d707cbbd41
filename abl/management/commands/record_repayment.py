"""python manage.py record_repayment --facility ID --amount AMOUNT --value-date YYYY-MM-DD --user USER

An analyst records money received against the loan, as the ledger page does
(`loans.record_repayment`). `--collection` records it as a collection of the
borrower's receivables rather than a repayment. Prints the outstanding after it.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.money import money_text
from abl.management.commands._arguments import (
    amount_argument,
    date_argument,
    facility_argument,
    user_argument,
)
from abl.models import LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused

ARGUMENTS = {"amount": "--amount", "value_date": "--value-date"}


class Command(BaseCommand):
    help = "Record a repayment (or a collection) on a facility's loan, as an ABL analyst."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="the terms file's id or the number")
        parser.add_argument("--amount", required=True)
        parser.add_argument("--value-date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--collection", action="store_true")
        parser.add_argument("--description", default="")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        amount = amount_argument("--amount", options["amount"])
        value_date = date_argument("--value-date", options["value_date"])
        user = user_argument(options["user"])
        facility = facility_argument(user, options["facility"])
        kind = LedgerEntry.Kind.COLLECTION if options["collection"] else LedgerEntry.Kind.REPAYMENT
        try:
            entry = loans.record_repayment(
                facility=facility,
                actor=user,
                amount=amount,
                value_date=value_date,
                kind=kind,
                description=options["description"],
            )
        except LoanRefused as error:
            where = ARGUMENTS.get(error.field or "")
            raise CommandError(f"{where}: {error}" if where else str(error)) from None
        self.stdout.write(
            f"{entry.get_kind_display()} {entry.pk} recorded: outstanding "
            f"{money_text(entry.balance_after)}"
        )
