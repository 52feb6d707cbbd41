"""python manage.py create_api_token --user USER [--read-only] [--days N] [--name NAME]

Makes a personal API token for USER (§10, §16) and prints it, once: only its hash is
kept. The same audited service as the account page (abl.services.api_tokens); a bank
user needs two-factor enrolment first.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abl.management.commands._arguments import user_argument
from abl.services.api_tokens import TokenRefused, create_api_token


class Command(BaseCommand):
    help = "Make a personal API token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="whose token (username)")
        parser.add_argument("--read-only", action="store_true", help="it may only read")
        parser.add_argument("--days", type=int, default=None, help="how long it works")
        parser.add_argument("--name", default="command line", help="what it is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_argument(options["user"])
        try:
            made = create_api_token(
                user=user,
                actor=user,
                name=options["name"],
                read_only=options["read_only"],
                days=options["days"],
            )
        except TokenRefused as error:
            argument = f"--{error.field}: " if error.field in {"days", "name"} else ""
            raise CommandError(f"{argument}{error}") from None
        self.stdout.write(made.secret)
