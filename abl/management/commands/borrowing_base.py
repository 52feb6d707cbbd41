"""python manage.py borrowing_base --terms FILE --as-of YYYY-MM-DD --ar FILE
[--inventory FILE] [--ap FILE] [--outstanding AMOUNT] [--json]

The same engine the web application uses, on files, with no database: prints
the §10 JSON object (money as two-decimal strings, percentages as fractions).
"""

import datetime as dt
import json
from argparse import ArgumentParser, ArgumentTypeError
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.calc.borrowing_base import compute_from_frames
from abl.calc.report import borrowing_base_json
from abl.calc.terms import TermsError, load_terms_yaml
from abl.readers import CollateralFileError, read_inventory, read_payables, read_receivables
from abl.services.collateral import reader_limits


def amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("$", ""))
    except InvalidOperation:
        raise ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ArgumentTypeError(f"must be a non-negative amount in cents: {text!r}")
    return value


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "Compute a borrowing base from a terms file and collateral files (§10 JSON)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--terms", required=True, type=Path)
        parser.add_argument("--as-of", required=True, type=iso_date)
        parser.add_argument("--ar", required=True, type=Path)
        parser.add_argument("--inventory", type=Path)
        parser.add_argument("--ap", type=Path)
        parser.add_argument("--outstanding", type=amount, default=Decimal("0.00"))
        parser.add_argument("--json", action="store_true", help="print JSON (the only format)")

    def handle(self, *args: Any, **options: Any) -> None:
        terms = self._terms(options["terms"])
        frames = {
            "ar": self._read(read_receivables, options["ar"]),
            "inventory": self._read(read_inventory, options["inventory"]),
            "payables": self._read(read_payables, options["ap"]),
        }
        result = compute_from_frames(
            terms=terms,
            ar=frames["ar"],
            inventory=frames["inventory"],
            payables=frames["payables"],
            as_of=options["as_of"],
            outstanding=options["outstanding"],
        )
        self.stdout.write(json.dumps(borrowing_base_json(result), indent=2))

    @staticmethod
    def _terms(path: Path) -> Any:
        try:
            return load_terms_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        except TermsError as error:
            raise CommandError(
                f"{path}: the terms are not valid:\n" + "\n".join(error.problems)
            ) from None

    @staticmethod
    def _read(reader: Any, path: Path | None) -> Any:
        if path is None:
            return None
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            return reader(path, limits=reader_limits())
        except CollateralFileError as error:
            raise CommandError(f"{path} was refused:\n{error}") from None
