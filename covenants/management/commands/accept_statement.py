"""python manage.py accept_statement --statement ID --user USER

The analyst accepts a statement version as the borrower certified it, as the
statement's page does (`statements.accept_statement`). `--statement` is the
version's id, as `submit_statement` prints it and the statement's page shows it.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from abl.management.commands._arguments import id_argument, user_argument
from covenants.access import get_version_for_user
from covenants.services import statements
from covenants.services.errors import CovenantRefused


class Command(BaseCommand):
    help = "Accept a financial statement version, as an ABL analyst."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--statement", required=True, help="the statement version's id")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        pk = id_argument("--statement", options["statement"])
        user = user_argument(options["user"])
        try:
            version = get_version_for_user(user, pk)
        except Http404:
            raise CommandError(
                f"--statement: no statement {pk} that {user.username} may see"
            ) from None
        try:
            version = statements.accept_statement(version=version, user=user)
        except CovenantRefused as error:
            raise CommandError(str(error)) from None
        statement = version.statement
        self.stdout.write(
            f"Statement {version.pk} ({statement.period_end} v{version.version}) accepted"
        )
