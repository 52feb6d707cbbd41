"""python manage.py review_certificate --certificate ID (--approve | --return --comment TEXT) --user USER

An analyst's review of a submitted certificate, through the same services as
the review page (`certificates.approve_certificate` / `return_certificate`).
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.access import facilities_for
from abl.management.commands._arguments import id_argument, user_argument
from abl.models import Certificate
from abl.services import certificates
from abl.services.errors import CertificateError


class Command(BaseCommand):
    help = "Approve or return a submitted borrowing base certificate, as an ABL analyst."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--certificate", required=True)
        decision = parser.add_mutually_exclusive_group(required=True)
        decision.add_argument("--approve", action="store_true")
        decision.add_argument("--return", action="store_true", dest="return_")
        parser.add_argument("--comment", default="")
        parser.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        pk = id_argument("--certificate", options["certificate"])
        user = user_argument(options["user"])
        certificate = Certificate.objects.filter(pk=pk, facility__in=facilities_for(user)).first()
        if certificate is None:
            raise CommandError(f"--certificate: no certificate {pk} that {user.username} may see")
        if options["return_"] and not options["comment"].strip():
            raise CommandError("--comment: say what the borrower must change")
        try:
            if options["approve"]:
                certificate = certificates.approve_certificate(
                    certificate=certificate, actor=user, comment=options["comment"]
                )
            else:
                certificate = certificates.return_certificate(
                    certificate=certificate, actor=user, comment=options["comment"]
                )
        except CertificateError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Certificate {certificate.pk} {certificate.status}")
