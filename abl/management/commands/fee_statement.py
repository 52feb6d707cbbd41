"""python manage.py fee_statement --facility ID --month YYYY-MM [--json] [--pdf FILE]

A facility's fee statement for a month, as posted (`fees.fee_statement`, the
same the statement page shows). With --json, the §10 object:
{"facility", "month", "lines": [{"date", "kind", "description", "amount"}], "total"}.
With --pdf, the statement's PDF as the page offers it (rendered and stored once
per state, `fees.render_statement_document`) is written to FILE, and its
SHA-256 printed.
"""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.money import money_text
from abl.management.commands.post_fees import month_argument
from abl.models import Facility
from abl.services import fees


def facility_by_id(ref: str) -> Facility:
    """--facility: the terms file's id (e.g. innotrac-2003) or the number pages show."""
    facilities = Facility.objects.all()
    if ref.isascii() and ref.isdigit() and len(ref) < 19:
        facility = facilities.filter(pk=int(ref)).first()
    else:
        facility = facilities.filter(slug=ref).first()
    if facility is None:
        raise CommandError(f"--facility: no facility {ref!r}")
    return facility


class Command(BaseCommand):
    help = "Print a facility's fee statement for a month."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="the terms file's id or the number")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--pdf", metavar="FILE", help="write the statement's PDF to FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        month = month_argument(options["month"])
        facility = facility_by_id(options["facility"])
        statement = fees.fee_statement(facility=facility, month=month)
        if options["pdf"]:
            document = fees.render_statement_document(facility=facility, month=month)
            try:
                Path(options["pdf"]).write_bytes(bytes(document.pdf))
            except OSError as error:
                raise CommandError(f"--pdf: {error.strerror}: {options['pdf']}") from None
            if not options["json"]:
                self.stdout.write(f"{options['pdf']}: SHA-256 {document.sha256}")
                return
        if options["json"]:
            self.stdout.write(json.dumps(statement.to_data()))
            return
        self.stdout.write(f"Fees of {facility.name} for {month}")
        for line in statement.lines:
            self.stdout.write(
                f"{line.date} {line.kind:<10} {money_text(line.amount):>14}  {line.description}"
            )
        self.stdout.write(f"Total {money_text(statement.total)}")
