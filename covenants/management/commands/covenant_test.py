"""python manage.py covenant_test --terms FILE --date YYYY-MM-DD --financials FILE.json --json

The same engine the web application uses, with no database: prints the §10
JSON list, one object per covenant in force on the date (money as two-decimal
strings, ratios to four places; a figure that cannot be measured is null).
The bank-approved additional capex is the file's `approved_additional_capex`.

Bad input exits non-zero with one line on stderr naming the argument and the
key or field, never a traceback.
"""

import datetime as dt
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from abl.calc.dates import date_problem
from abl.calc.terms import TermsError, load_terms_yaml
from abl.calc.terms.covenants import Covenants
from covenants.calc.engine import evaluate
from covenants.calc.financials import Financials, FinancialsError, parse_financials
from covenants.calc.report import result_json


def _text(argument: str, path: Path) -> str:
    if path.is_dir():
        raise CommandError(f"{argument}: {path} is a directory, not a file")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{argument}: no such file: {path}") from None
    except OSError as error:
        raise CommandError(f"{argument}: cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{argument}: {path} is not UTF-8 text") from None


def read_covenants(path: Path) -> Covenants:
    try:
        terms = load_terms_yaml(_text("--terms", path))
    except TermsError as error:
        raise CommandError(
            f"--terms: {path}: the terms are not valid: " + "; ".join(error.problems)
        ) from None
    if terms.covenants is None:
        raise CommandError(f"--terms: {path}: covenants: required (the terms set no covenants)")
    return terms.covenants


def read_financials(path: Path) -> Financials:
    try:
        data = json.loads(_text("--financials", path), parse_float=float)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"--financials: {path} is not valid JSON (line {error.lineno}, "
            f"column {error.colno}: {error.msg})"
        ) from None
    try:
        return parse_financials(data)
    except FinancialsError as error:
        raise CommandError(f"--financials: {path}: " + "; ".join(error.problems)) from None


def date_argument(text: str) -> dt.date:
    try:
        on = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--date: {text!r} is not a date (YYYY-MM-DD)") from None
    if problem := date_problem(on):
        raise CommandError(f"--date: {problem}")
    return on


class Command(BaseCommand):
    help = "Test the covenants of a terms file on a date against a financials file (§10 JSON)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--terms", required=True, type=Path)
        parser.add_argument("--date", required=True)
        parser.add_argument("--financials", required=True, type=Path)
        parser.add_argument("--json", action="store_true", help="print JSON (the only format)")

    def handle(self, *args: Any, **options: Any) -> None:
        on = date_argument(options["date"])
        covenants = read_covenants(options["terms"])
        financials = read_financials(options["financials"])
        results = evaluate(covenants, on, financials, at_risk_pct=settings.ABL_COVENANT_AT_RISK_PCT)
        self.stdout.write(json.dumps([result_json(r) for r in results], indent=2))
