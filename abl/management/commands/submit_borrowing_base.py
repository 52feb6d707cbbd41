"""python manage.py submit_borrowing_base --facility ID --as-of DATE --ar FILE
[--inventory FILE] [--ap FILE] [--outstanding AMOUNT] [--replace] --user USERNAME

`--outstanding` is the borrower's own figure, kept beside the loan ledger's
(which the certificate uses) for comparison.

Reports the files as the upload page does (`collateral.report_collateral`, the
files read and checked here first, then processed in this process), then
certifies and submits the certificate as the user. Prints the certificate's
id and figures as JSON. Bad input exits non-zero with one line on stderr
naming the argument; the database and the stored files are then unchanged.
"""

import datetime as dt
import json
from argparse import ArgumentParser
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from abl.access import may_report
from abl.management.commands._arguments import facility_argument, user_argument
from abl.management.commands.borrowing_base import (
    FILE_ARGUMENTS,
    as_of_argument,
    outstanding_argument,
    read_file_argument,
)
from abl.models import Certificate, Facility, User
from abl.services import certificates, collateral

FIELD_ARGUMENTS = {
    "as_of": "--as-of",
    "reported_outstanding": "--outstanding",
    **FILE_ARGUMENTS,
}


class Command(BaseCommand):
    help = "Submit a borrowing base certificate from files, as the upload page does."
    # Django's configuration checks (`manage.py check`, the test suite) are not
    # this command's job; like borrowing_base, it skips them on every run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="facility id (number) or slug")
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD")
        parser.add_argument("--ar", required=True, type=Path)
        parser.add_argument("--inventory", type=Path)
        parser.add_argument("--ap", type=Path)
        parser.add_argument(
            "--outstanding", help="the borrower's own figure (the ledger's is the certificate's)"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace the files of the same kinds already on the date's draft",
        )
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = as_of_argument(options["as_of"])
        outstanding = (
            outstanding_argument(options["outstanding"])
            if options["outstanding"] is not None
            else None
        )
        user = user_argument(options["user"])
        facility = facility_argument(user, options["facility"], may="may report for")
        if not may_report(user, facility):
            raise CommandError(
                f"--user: {user.username} is not a user of {facility.borrower}; "
                "only the borrower reports and certifies"
            )
        paths: dict[str, Path] = {
            kind: options[argument.removeprefix("--")]
            for kind, argument in FILE_ARGUMENTS.items()
            if options[argument.removeprefix("--")] is not None
        }
        # Every file is read and checked before anything is saved.
        frames = {kind: read_file_argument(kind, path, as_of=as_of) for kind, path in paths.items()}
        certificate = self._report_and_submit(
            facility=facility,
            user=user,
            as_of=as_of,
            outstanding=outstanding,
            paths=paths,
            frames=frames,
            replace=options["replace"],
        )
        assert certificate.submitted is not None
        output = {
            "certificate": certificate.pk,
            "status": certificate.status,
            **certificate.submitted.figures,
        }
        self.stdout.write(json.dumps(output, indent=2))

    def _report_and_submit(
        self,
        *,
        facility: Facility,
        user: User,
        as_of: dt.date,
        outstanding: Decimal | None,
        paths: dict[str, Path],
        frames: dict[str, pl.DataFrame],
        replace: bool,
    ) -> Certificate:
        try:
            # One transaction: a refused submission leaves the database
            # unchanged, and the files it stored are removed again.
            with (
                ExitStack() as handles,
                collateral.files_kept_only_on_success(),
                transaction.atomic(),
            ):
                files = {
                    kind: File(handles.enter_context(path.open("rb")), name=path.name)
                    for kind, path in paths.items()
                }
                certificate = collateral.report_collateral(
                    facility=facility,
                    actor=user,
                    as_of=as_of,
                    reported_outstanding=outstanding,
                    files=files,
                    replace=replace,
                    frames=frames,
                )
                return certificates.submit_certificate(
                    certificate=certificate,
                    actor=user,
                    name=user.get_full_name() or user.username,
                    title=user.title or "Officer",
                )
        except OSError as error:
            raise CommandError(f"cannot read {error.filename}: {error.strerror}") from None
        except collateral.UploadRefused as error:
            if error.field == "replace":
                raise CommandError(f"{error} Add --replace to replace it.") from None
            where = FIELD_ARGUMENTS.get(error.field or "", "")
            raise CommandError(f"{where}: {error}" if where else str(error)) from None
        except certificates.CertificateError as error:
            raise CommandError(str(error)) from None
