"""python manage.py load_terms FILE [--effective-date YYYY-MM-DD] [--reason TEXT] [--user NAME]"""

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.terms import TermsError
from abl.models import User
from abl.services.terms import load_facility_terms


class Command(BaseCommand):
    help = "Load a facility's terms from a YAML file as a new terms version."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--effective-date", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--reason", default="")
        parser.add_argument("--user", default=None, help="username recorded as the actor")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user named {options['user']!r}")
        try:
            version, created = load_facility_terms(
                text=text,
                actor=actor,
                reason=options["reason"] or f"Loaded from {path.name}",
                effective_date=options["effective_date"],
            )
        except TermsError as error:
            raise CommandError(
                f"{path}: the terms are not valid:\n" + "\n".join(error.problems)
            ) from None
        verb = "Loaded" if created else "Unchanged:"
        self.stdout.write(
            f"{verb} {version.facility.slug} terms v{version.version} effective {version.effective_date}"
        )
