"""python manage.py submit_borrowing_base --facility ID --as-of DATE --ar FILE
[--inventory FILE] [--ap FILE] [--outstanding AMOUNT] --user USERNAME

Runs the services the upload page runs, in this process: a draft certificate,
each file checked and stored, the figures computed, then certified and
submitted as the user. Prints the certificate's id and figures as JSON.
"""

import datetime as dt
import json
from argparse import ArgumentParser
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from abl.access import facilities_for
from abl.models import CollateralFile, Facility, Role, User
from abl.readers import CollateralFileError
from abl.services import certificates, collateral, processing


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("$", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"must be a non-negative amount in cents: {text!r}")
    return value


class Command(BaseCommand):
    help = "Submit a borrowing base certificate from files, as the upload page does."
    # Django's configuration checks (`manage.py check`, the test suite) are not
    # this command's job; like borrowing_base, it skips them on every run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--facility", required=True, help="facility id (number) or slug")
        parser.add_argument("--as-of", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--ar", required=True, type=Path)
        parser.add_argument("--inventory", type=Path)
        parser.add_argument("--ap", type=Path)
        parser.add_argument("--outstanding", type=_amount, default=Decimal("0.00"))
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {options['user']!r}")
        facility = self._facility(user, options["facility"])
        if user.role != Role.BORROWER:
            raise CommandError(
                f"{user.username} is not a borrower user; only the borrower certifies"
            )
        paths: dict[str, Path | None] = {
            CollateralFile.Kind.RECEIVABLES: options["ar"],
            CollateralFile.Kind.INVENTORY: options["inventory"],
            CollateralFile.Kind.PAYABLES: options["ap"],
        }
        frames: dict[str, pl.DataFrame] = {}
        for kind, path in paths.items():
            if path is None:
                continue
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            try:
                frames[kind] = processing.read_collateral(kind, path, as_of=options["as_of"])
            except CollateralFileError as error:
                raise CommandError(f"{path} was refused; nothing was saved:\n{error}") from None
        # One transaction: a refusal or a failed submission leaves the database
        # unchanged, and the files it stored are removed again.
        try:
            with collateral.files_kept_only_on_success(), transaction.atomic():
                certificate = collateral.open_draft(
                    facility=facility, as_of=options["as_of"], actor=user
                )
                collateral.set_outstanding(
                    certificate=certificate, outstanding=options["outstanding"], actor=user
                )
                received = {}
                for kind in frames:
                    path = paths[kind]
                    assert path is not None
                    with path.open("rb") as handle:
                        received[kind] = collateral.receive_file(
                            certificate=certificate,
                            kind=kind,
                            upload=File(handle, name=path.name),
                            actor=user,
                            queue=False,
                        )
                for kind, frame in frames.items():
                    processing.process_collateral_file(
                        file_id=received[kind].pk, frame=frame, frames=frames
                    )
                certificate.refresh_from_db()
                certificate = certificates.submit_certificate(
                    certificate=certificate,
                    actor=user,
                    name=user.get_full_name() or user.username,
                    title=user.title or "Officer",
                )
        except (collateral.UploadRefused, certificates.CertificateError) as error:
            raise CommandError(str(error)) from None
        assert certificate.submitted is not None
        output = {
            "certificate": certificate.pk,
            "status": certificate.status,
            **certificate.submitted.figures,
        }
        self.stdout.write(json.dumps(output, indent=2))

    def _facility(self, user: User, ref: str) -> Facility:
        visible = facilities_for(user)
        facility = (
            visible.filter(pk=int(ref)).first()
            if ref.isdigit()
            else visible.filter(slug=ref).first()
        )
        if facility is None:
            raise CommandError(f"no facility {ref!r} that {user.username} may report for")
        return facility
