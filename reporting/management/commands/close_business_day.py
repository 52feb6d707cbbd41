"""python manage.py close_business_day [--date YYYY-MM-DD]

The nightly close (`reporting.services.close.close_business_day`, which beat
runs at 00:05): every facility's reporting frequency re-evaluated on the date
(the business date unless `--date` gives one), the due calendars brought up to
it and the day's reminders queued. Running it twice for a date changes nothing.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from abl.management.commands._arguments import date_argument
from reporting.services.close import close_business_day


class Command(BaseCommand):
    help = "Run the nightly close of business for the business date (or --date)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD; the business date by default")

    def handle(self, *args: Any, **options: Any) -> None:
        on = date_argument("--date", options["date"]) if options["date"] else None
        report = close_business_day(on=on)
        self.stdout.write(
            f"Closed {report.business_date}: {report.facilities} facilities measured, "
            f"{len(report.switches)} frequency switches, {len(report.reminders)} reminders"
        )
