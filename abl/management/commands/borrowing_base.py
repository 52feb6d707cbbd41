"""python manage.py borrowing_base --terms FILE --as-of YYYY-MM-DD --ar FILE
[--inventory FILE] [--ap FILE] [--outstanding AMOUNT] [--json]

The same engine the web application uses, on files, with no database: prints
the §10 JSON object (money as two-decimal strings, percentages as fractions).

Bad input exits non-zero with one line on stderr naming the argument, never a
traceback. Amounts and dates are read by the readers' own parsers
(`abl.readers.parse_amount`, `parse_date`); submit_borrowing_base reads its
arguments with the functions below too.
"""

import datetime as dt
import json
from argparse import ArgumentParser
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError

from abl.business_date import as_of_problem
from abl.calc.borrowing_base import compute_from_frames
from abl.calc.money import from_cents
from abl.calc.report import borrowing_base_json
from abl.calc.terms import TermsError, load_terms_yaml
from abl.readers import CollateralFileError, parse_amount, parse_date
from abl.reading import read_collateral

# The file arguments, by the kind of collateral file each holds.
FILE_ARGUMENTS = {"receivables": "--ar", "inventory": "--inventory", "payables": "--ap"}


def as_of_argument(text: str) -> dt.date:
    """--as-of: a date (as a file's dates are read), never after the business date."""
    try:
        as_of = parse_date(text)
    except ValueError as error:
        raise CommandError(f"--as-of: {error}") from None
    if problem := as_of_problem(as_of):
        raise CommandError(f"--as-of: {problem}")
    return as_of


def outstanding_argument(text: str) -> Decimal:
    """--outstanding: an amount, not negative, read by the one amount parser."""
    try:
        return from_cents(parse_amount(text, sign="not negative"))
    except ValueError as error:
        raise CommandError(f"--outstanding: {error}") from None


def read_file_argument(kind: str, path: Path, *, as_of: dt.date) -> pl.DataFrame:
    """A collateral file named by an argument, read and checked in full."""
    argument = FILE_ARGUMENTS[kind]
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
        raise CommandError(
            f"{argument}: the file name {shown} is not valid UTF-8 text; rename the file"
        ) from None
    if path.is_dir():
        raise CommandError(f"{argument}: {path} is a directory, not a file")
    if not path.is_file():
        raise CommandError(f"{argument}: no such file: {path}")
    try:
        return read_collateral(kind, path, as_of=as_of)
    except CollateralFileError as error:
        problems = "; ".join(str(error).splitlines())
        raise CommandError(f"{argument}: {path} was refused: {problems}") from None
    except OSError as error:
        raise CommandError(f"{argument}: cannot read {path}: {error.strerror}") from None


class Command(BaseCommand):
    help = "Compute a borrowing base from a terms file and collateral files (§10 JSON)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--terms", required=True, type=Path)
        parser.add_argument("--as-of", required=True)
        parser.add_argument("--ar", required=True, type=Path)
        parser.add_argument("--inventory", type=Path)
        parser.add_argument("--ap", type=Path)
        parser.add_argument("--outstanding", default="0.00")
        parser.add_argument("--json", action="store_true", help="print JSON (the only format)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = as_of_argument(options["as_of"])
        outstanding = outstanding_argument(options["outstanding"])
        terms = self._terms(options["terms"])
        paths = {
            "receivables": options["ar"],
            "inventory": options["inventory"],
            "payables": options["ap"],
        }
        frames = {
            kind: read_file_argument(kind, path, as_of=as_of)
            for kind, path in paths.items()
            if path is not None
        }
        result = compute_from_frames(
            terms=terms,
            ar=frames["receivables"],
            inventory=frames.get("inventory"),
            payables=frames.get("payables"),
            as_of=as_of,
            outstanding=outstanding,
        )
        self.stdout.write(json.dumps(borrowing_base_json(result), indent=2))

    @staticmethod
    def _terms(path: Path) -> Any:
        try:
            return load_terms_yaml(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"--terms: cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"--terms: {path} is not UTF-8 text") from None
        except TermsError as error:
            raise CommandError(
                f"--terms: {path}: the terms are not valid: " + "; ".join(error.problems)
            ) from None
