"""python manage.py decide_default --facility ID (--cure | --waive --document FILE) --reason TEXT --user USER

Ends an event of default as the facility page does (§7, §10): one analyst proposes a cure or
a waiver (`loans.propose_default_end`: its reason, and a waiver its signed document), and a
second analyst confirms it the same way with `--confirm EVENT_ID`
(`loans.confirm_default_end`; its `--reason`, if given, is the confirming analyst's note in
the audit trail); the default ends on that business date and advances resume.
A refusal exits non-zero with the reason on stderr and changes nothing.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from abl.management.commands._arguments import facility_argument, id_argument, user_argument
from abl.models import DefaultEvent
from abl.services import loans
from abl.services.errors import LoanRefused

ARGUMENTS = {"reason": "--reason", "document": "--document"}


class Command(BaseCommand):
    help = "Propose (or, with --confirm, confirm) the cure or waiver of an event of default."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="the terms file's id or the number")
        ending = parser.add_mutually_exclusive_group()
        ending.add_argument("--cure", action="store_true")
        ending.add_argument("--waive", action="store_true")
        parser.add_argument("--document", help="the signed waiver (with --waive)")
        parser.add_argument("--reason", default="")
        parser.add_argument("--confirm", metavar="EVENT_ID", help="confirm that event's end")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_argument(options["user"])
        facility = facility_argument(user, options["facility"])
        ending = "cure" if options["cure"] else "waiver" if options["waive"] else None
        try:
            if options["confirm"] is not None:
                event = self._confirm(
                    facility.pk, options["confirm"], user, ending, options["reason"]
                )
            else:
                event = self._propose(facility, ending, options, user)
        except LoanRefused as error:
            where = ARGUMENTS.get(error.field or "")
            raise CommandError(f"{where}: {error}" if where else str(error)) from None
        if event.ended_on is not None:
            self.stdout.write(
                f"Event of default {event.pk} ended on {event.ended_on} "
                f"({event.get_ending_display().lower()}): advances resume."
            )
        else:
            self.stdout.write(
                f"{event.get_ending_display()} of event of default {event.pk} proposed: a second "
                f"analyst confirms it with --confirm {event.pk}."
            )

    def _confirm(
        self, facility_id: int, ref: str, user: Any, ending: str | None, note: str
    ) -> DefaultEvent:
        pk = id_argument("--confirm", ref)
        event = DefaultEvent.objects.filter(pk=pk, facility_id=facility_id).first()
        if event is None:
            raise CommandError(f"--confirm: no event of default {pk} of that facility")
        return loans.confirm_default_end(event=event, user=user, ending=ending, note=note)

    def _propose(
        self, facility: Any, ending: str | None, options: dict[str, Any], user: Any
    ) -> DefaultEvent:
        if ending is None:
            raise CommandError("say how it ends: --cure or --waive (or --confirm EVENT_ID)")
        if options["document"] and ending != "waiver":
            raise CommandError("--document: a document goes with --waive")
        if ending == "cure":
            return loans.propose_default_end(
                facility=facility, ending=ending, reason=options["reason"], user=user
            )
        if not options["document"]:
            raise CommandError("--document: a waiver needs its signed document")
        path = Path(options["document"])
        if not path.is_file():
            raise CommandError(f"--document: no file {path}")
        with path.open("rb") as handle:
            return loans.propose_default_end(
                facility=facility,
                ending=ending,
                reason=options["reason"],
                document=File(handle, name=path.name),
                user=user,
            )
