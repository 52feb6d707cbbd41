"""python manage.py field_exam (--schedule YYYY-MM-DD --facility ID | --exam ID --done-on YYYY-MM-DD
[--fee AMOUNT]) [--reason TEXT] --user USER

An analyst schedules a field exam or records one as done with its actual fee,
as the field exams page does (`fees.schedule_field_exam`, `fees.record_field_exam`).
Prints the exam's id. An exam beyond the year's three charged needs `--reason` (why the
bank holds it: risk, a breach) and is not charged; without one the command exits
non-zero with the reason on stderr and changes nothing.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.access import facilities_for
from abl.management.commands._arguments import (
    amount_argument,
    date_argument,
    facility_argument,
    id_argument,
    user_argument,
)
from abl.models import FieldExam
from abl.services import fees

ARGUMENTS = {
    "scheduled_for": "--schedule",
    "done_on": "--done-on",
    "fee": "--fee",
    "reason": "--reason",
}


class Command(BaseCommand):
    help = "Schedule a field exam, or record one as done, as an ABL analyst."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", help="with --schedule: the terms file's id or number")
        parser.add_argument("--schedule", help="YYYY-MM-DD: schedule an exam for that day")
        parser.add_argument("--exam", help="the exam's id, with --done-on")
        parser.add_argument("--done-on", help="YYYY-MM-DD: record the exam as done")
        parser.add_argument("--fee", help="the actual fee (default: the exam's)")
        parser.add_argument("--notes", default="")
        parser.add_argument(
            "--reason", default="", help="why the bank holds an exam beyond the year's most"
        )
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_argument(options["user"])
        try:
            if options["schedule"] and options["facility"]:
                exam = fees.schedule_field_exam(
                    facility=facility_argument(user, options["facility"]),
                    actor=user,
                    scheduled_for=date_argument("--schedule", options["schedule"]),
                    notes=options["notes"],
                    reason=options["reason"],
                )
            elif options["exam"] and options["done_on"]:
                exam = self._record(user, options)
            else:
                raise CommandError("give --schedule with --facility, or --exam with --done-on")
        except fees.FeeRefused as error:
            where = ARGUMENTS.get(error.field or "")
            raise CommandError(f"{where}: {error}" if where else str(error)) from None
        self.stdout.write(str(exam.pk))

    def _record(self, user: Any, options: dict[str, Any]) -> FieldExam:
        exam_id = id_argument("--exam", options["exam"])
        exam = FieldExam.objects.filter(pk=exam_id, facility__in=facilities_for(user)).first()
        if exam is None:
            raise CommandError(f"--exam: no field exam {exam_id} that {user.username} may see")
        fee = amount_argument("--fee", options["fee"]) if options["fee"] else exam.fee
        return fees.record_field_exam(
            exam=exam,
            actor=user,
            done_on=date_argument("--done-on", options["done_on"]),
            fee=fee,
            notes=options["notes"],
            reason=options["reason"],
        )
