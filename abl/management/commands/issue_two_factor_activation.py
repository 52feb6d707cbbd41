"""python manage.py issue_two_factor_activation USERNAME --by ADMIN --reason "...":
a one-time code with which USERNAME enrols an authenticator app (printed once).

The same audited service as the people page (abl.services.people); the code is
shown here and nowhere else, only its hash is stored.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abl.management.commands._arguments import user_argument
from abl.services.people import PeopleError, issue_two_factor_activation


class Command(BaseCommand):
    help = "Issue a one-time two-factor activation code to a user (removes their devices)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="the administrator issuing it")
        parser.add_argument("--reason", required=True, help="why (audited)")

    def handle(self, *args: Any, username: str, by: str, reason: str, **options: Any) -> None:
        actor = user_argument(by)
        person = user_argument(username)
        try:
            code = issue_two_factor_activation(actor=actor, user=person, reason=reason)
        except PeopleError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Activation code for {person.username}: {code}")
