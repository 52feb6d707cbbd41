"""python manage.py render_certificate --certificate ID --out FILE.pdf

The certificate's PDF in its present state (DRAFT until approved), through the
same service as the worker and the download: the stored one, or rendered now
and stored once. Prints the SHA-256 of what it wrote.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.management.commands._arguments import id_argument
from abl.models import Certificate
from abl.services.documents import render_certificate_document
from abl.services.errors import CertificateError


class Command(BaseCommand):
    help = "Write a borrowing base certificate's PDF (DRAFT until approved) to a file."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--certificate", required=True)
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        pk = id_argument("--certificate", options["certificate"])
        out: Path = options["out"]
        if out.is_dir():
            raise CommandError(f"--out: {out} is a directory, not a file")
        if not out.parent.is_dir():
            raise CommandError(f"--out: no such directory: {out.parent}")
        if not Certificate.objects.filter(pk=pk).exists():
            raise CommandError(f"--certificate: no certificate {pk}")
        try:
            document = render_certificate_document(certificate_id=pk)
        except CertificateError as error:
            raise CommandError(f"--certificate: {error}") from None
        try:
            out.write_bytes(bytes(document.pdf))
        except OSError as error:
            raise CommandError(f"--out: cannot write {out}: {error.strerror}") from None
        self.stdout.write(f"{document.sha256}  {out}")
