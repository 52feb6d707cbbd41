"""python manage.py post_fees --month YYYY-MM

Posts a month's fees and interest for every facility (`fees.post_fees`, the
same service the beat task and the statement page's button run): idempotent, a
second run posts nothing. A posted month (this one or an earlier one) whose
ledger has an entry valued back into it since gets an interest adjustment.
Prints each charge posted. Refused (a month that has not ended on the business
date, a balance without a base rate) exits non-zero with the reason on stderr,
and nothing is posted.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.fees import Month
from abl.calc.money import money_text
from abl.services import fees


def month_argument(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as error:
        raise CommandError(f"--month: {error}") from None


class Command(BaseCommand):
    help = "Post a month's fees and interest for every facility (idempotent)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        month = month_argument(options["month"])
        try:
            charges = fees.post_fees(month=month)
        except fees.FeeRefused as error:
            raise CommandError(
                f"--month: {error}" if error.field == "month" else str(error)
            ) from None
        if not charges:
            self.stdout.write(f"Nothing to post for {month}: every charge is already posted.")
        for charge in charges:
            self.stdout.write(
                f"{charge.facility.slug} {charge.date} {charge.kind} "
                f"{money_text(charge.amount)} {charge.description}"
            )
