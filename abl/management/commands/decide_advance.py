"""python manage.py decide_advance --request ID (--approve | --decline --comment TEXT) --user USER

An analyst's decision on an advance request, as the queue's page makes it
(`loans.approve_advance` / `loans.decline_advance`): an approval is refused,
with the reason on stderr and nothing changed, when it would take excess
availability below zero, the certificate is stale, the facility has matured
or is in default, the user requested it, or the user gave the first of two
approvals. An approval above the user's approval limit that no other analyst
has given yet is the first of two: it prints that it awaits a second analyst's
approval, books nothing, and exits 0.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.money import money_text
from abl.management.commands._arguments import advance_argument, user_argument
from abl.services import loans
from abl.services.errors import LoanRefused


class Command(BaseCommand):
    help = "Approve or decline an advance request, as an ABL analyst."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--request", required=True)
        decision = parser.add_mutually_exclusive_group(required=True)
        decision.add_argument("--approve", action="store_true")
        decision.add_argument("--decline", action="store_true")
        parser.add_argument("--comment", default="")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_argument(options["user"])
        advance = advance_argument(user, options["request"])
        if options["decline"] and not options["comment"].strip():
            raise CommandError("--comment: say why: a comment is required to decline")
        try:
            if options["approve"]:
                advance = loans.approve_advance(
                    advance=advance, actor=user, comment=options["comment"]
                )
            else:
                advance = loans.decline_advance(
                    advance=advance, actor=user, comment=options["comment"]
                )
        except LoanRefused as error:
            raise CommandError(str(error)) from None
        if advance.awaits_second_approval:
            self.stdout.write(
                f"Advance request {advance.pk} approved by {user.username} "
                f"(above the approval limit of {money_text(user.approval_limit)}): "
                f"awaits a second analyst's approval: {money_text(advance.amount)}"
            )
            return
        self.stdout.write(
            f"Advance request {advance.pk} {advance.status}: {money_text(advance.amount)}"
        )
