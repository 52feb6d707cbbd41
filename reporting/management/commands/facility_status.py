"""python manage.py facility_status --facility ID [--on YYYY-MM-DD] --json

Prints the facility's status as one JSON object (§10): `on`, `borrowing_base`,
`reserves`, `line_cap` (of the latest approved certificate), `outstanding` (from
the loan ledger), `excess_availability`, `excess_availability_pct`,
`reporting_frequency`, `frequency_since`, `next_certificate_due`,
`next_financials_due`, `certificate_stale`; `requests_pending` (the advance
requests awaiting a decision), `excess_availability_after_pending` (once all of
them are approved, measured as an approval is), `in_default` (true or false);
and `facility`. Figures of a facility with no approved certificate are null. Read only: the same service
as the home pages (reporting.services.status).
"""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.management.commands._arguments import date_argument
from abl.models import Facility
from reporting.services.status import facility_status


class Command(BaseCommand):
    help = "A facility's availability, reporting frequency and what is due next, as JSON."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="the terms file's id, or the number")
        parser.add_argument("--on", help="YYYY-MM-DD (default: the business date)")
        parser.add_argument("--json", action="store_true", required=True, help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["facility"]
        facility = (
            Facility.objects.filter(pk=int(ref)).first()
            if ref.isascii() and ref.isdigit() and len(ref) < 19
            else Facility.objects.filter(slug=ref).first()
        )
        if facility is None:
            raise CommandError(f"--facility: no facility {ref!r}")
        on = date_argument("--on", options["on"]) if options["on"] is not None else None
        status = facility_status(facility, on=on)
        self.stdout.write(json.dumps(status.as_json(), indent=2))
