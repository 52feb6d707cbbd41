"""python manage.py submit_statement --facility ID --period-end YYYY-MM-DD
    --financials FILE.json [--projection] [--reason TEXT] [--title TEXT] --user USER

The borrower's officer submits a financial statement, as the Financial reporting
page does (`statements.submit_statement`): a period's figures, or a restatement
of them with `--reason`. The officer's title is the user's own unless `--title`
gives it. Prints the statement version's id (the number its page shows), which
`accept_statement --statement` takes.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.management.commands._arguments import date_argument, facility_argument, user_argument
from covenants.management.commands.covenant_test import read_financials
from covenants.models import FinancialStatement
from covenants.services import statements
from covenants.services.errors import CovenantRefused


class Command(BaseCommand):
    help = "Submit a financial statement (or a restatement) for a facility, as its borrower."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="the terms file's id or the number")
        parser.add_argument("--period-end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--financials", required=True, type=Path)
        parser.add_argument("--projection", action="store_true")
        parser.add_argument("--reason", default="", help="why a period is restated")
        parser.add_argument("--title", default="", help="the certifying officer's title")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        period_end = date_argument("--period-end", options["period_end"])
        financials = read_financials(options["financials"])
        user = user_argument(options["user"])
        facility = facility_argument(user, options["facility"])
        kind = FinancialStatement.Kind.PROJECTION if options["projection"] else "actual"
        try:
            version = statements.submit_statement(
                facility=facility,
                kind=kind,
                period_end=period_end,
                financials=financials,
                user=user,
                officer_title=options["title"] or user.title,
                reason=options["reason"],
            )
        except CovenantRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(version.pk))
