"""python manage.py request_advance --facility ID --amount AMOUNT [--value-date YYYY-MM-DD]
[--key IDEMPOTENCY_KEY] --user USER

The borrower's request for an advance, as the loan page makes it
(`loans.request_advance`). Prints the request's id. Run again with the same
`--key`, it prints the same id and makes nothing new; without `--key` each run
is a new request.
"""

import uuid
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.management.commands._arguments import (
    amount_argument,
    date_argument,
    facility_argument,
    user_argument,
)
from abl.services import loans
from abl.services.errors import LoanRefused

ARGUMENTS = {"amount": "--amount", "value_date": "--value-date", "key": "--key"}


class Command(BaseCommand):
    help = "Ask for an advance on a facility, as its borrower."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="the terms file's id or the number")
        parser.add_argument("--amount", required=True)
        parser.add_argument("--value-date", help="YYYY-MM-DD; the business date when absent")
        parser.add_argument("--key", help="idempotency key: the same key, the same request")
        parser.add_argument("--purpose", default="")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        amount = amount_argument("--amount", options["amount"])
        value_date = (
            date_argument("--value-date", options["value_date"]) if options["value_date"] else None
        )
        user = user_argument(options["user"])
        facility = facility_argument(user, options["facility"])
        try:
            advance = loans.request_advance(
                facility=facility,
                actor=user,
                amount=amount,
                value_date=value_date,
                purpose=options["purpose"],
                key=options["key"] if options["key"] is not None else str(uuid.uuid4()),
            )
        except LoanRefused as error:
            where = ARGUMENTS.get(error.field or "")
            raise CommandError(f"{where}: {error}" if where else str(error)) from None
        self.stdout.write(str(advance.pk))
