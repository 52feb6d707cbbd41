"""python manage.py set_base_rate --rate 0.0425 --from YYYY-MM-DD --user USER

An analyst sets the base rate in force from a date, as the fees page does
(`fees.set_base_rate`): `--rate` is a decimal fraction (0.0425 is 4.25%).
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.fees import percent_text
from abl.management.commands._arguments import date_argument, rate_argument, user_argument
from abl.services import fees
from abl.services.errors import FeeRefused

ARGUMENTS = {"rate": "--rate", "effective_date": "--from"}


class Command(BaseCommand):
    help = "Set the base rate in force from a date, as an ABL analyst."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--rate", required=True, help="a decimal fraction: 0.0425 is 4.25%%")
        parser.add_argument("--from", dest="effective_date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--note", default="")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        rate = rate_argument("--rate", options["rate"])
        effective_date = date_argument("--from", options["effective_date"])
        user = user_argument(options["user"])
        try:
            base = fees.set_base_rate(
                actor=user, effective_date=effective_date, rate=rate, note=options["note"]
            )
        except FeeRefused as error:
            where = ARGUMENTS.get(error.field or "")
            raise CommandError(f"{where}: {error}" if where else str(error)) from None
        self.stdout.write(f"Base rate {percent_text(base.rate)} from {base.effective_date}")
