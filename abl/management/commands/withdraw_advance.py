"""python manage.py withdraw_advance --request ID --user USER

The borrower withdraws an advance request before it is decided, as the loan
page's "Withdraw" button does (`loans.withdraw_advance`): audited, the analysts
e-mailed. Refused, with the reason on stderr and nothing changed, when the user
is not of the facility's borrower or the request is already decided.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.money import money_text
from abl.management.commands._arguments import advance_argument, user_argument
from abl.services import loans
from abl.services.errors import LoanRefused


class Command(BaseCommand):
    help = "Withdraw an advance request before it is decided, as a user of the borrower."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--request", required=True)
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_argument(options["user"])
        advance = advance_argument(user, options["request"])
        try:
            advance = loans.withdraw_advance(advance=advance, actor=user)
        except LoanRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Advance request {advance.pk} withdrawn: {money_text(advance.amount)}")
