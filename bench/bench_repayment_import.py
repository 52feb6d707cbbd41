"""Benchmark: a file of 100,000 repayments imported, against reading it alone, on PostgreSQL.

Goal (issue 22): the whole import (`loans.import_repayments`: reading the file,
the facility's lock, every row held to the repayment rule, the entries written,
the audit event) in ≤ 3× the time of reading the same file with the reader
alone (`read_repayments`), and a file refused (every row of the second half
over the balance) as bounded. Each import goes to a facility of its own,
opened with a balance that takes the whole file. Prints its figures (best of
RUNS each); asserts nothing. Migrates the database it is given and adds its
own facilities.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench \\
        .venv/bin/python bench/bench_repayment_import.py [--rows 100000]
"""

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "1"
os.environ["ABL_BUSINESS_DATE"] = "2003-04-07"
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="abl-bench-repayments-")

import django  # noqa: E402

django.setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import override_settings  # noqa: E402

from abl.models import Facility, User  # noqa: E402
from abl.readers import read_repayments  # noqa: E402
from abl.services import loans  # noqa: E402
from abl.services.errors import LoanRefused  # noqa: E402
from abl.services.terms import load_facility_terms  # noqa: E402

DATA = ROOT / "bench" / ".data"
RUNS = 3  # the machine is shared: the best of several runs is the steadiest figure
TERMS = (ROOT / "examples" / "innotrac" / "terms.yaml").read_text()
FIRST_DAY = dt.date(2003, 1, 2)


def write_file(path: Path, rows: int, *, seed: int) -> int:
    """A CSV of `rows` repayments and collections valued 2003-01-02 to 2003-04-07, US-style
    amounts mixed in; returns the sum of its amounts in cents."""
    generator, total = random.Random(seed), 0
    with path.open("w") as out:
        out.write("Date,Amount,Type,Reference\n")
        for n in range(rows):
            day = FIRST_DAY + dt.timedelta(days=generator.randint(0, 95))
            cents = generator.randint(1, 5_000_000)
            total += cents
            date = day.isoformat() if n % 3 else f"{day:%m/%d/%Y}"
            amount = f"{cents / 100:.2f}" if n % 4 else f'"${cents / 100:,.2f}"'
            kind = ("repayment", "collection", "lockbox", "")[n % 4]
            out.write(f"{date},{amount},{kind},Wire {n}\n")
    return total


def _facility(run: str, n: int, opening: Decimal) -> tuple[Facility, User]:
    text = TERMS.replace("id: innotrac-2003", f"id: bench-repay-{run}-{n}").replace(
        "borrower: Innotrac Corporation", f"borrower: Bench Repayer {run}-{n}"
    )
    version, _ = load_facility_terms(text=text, actor=None, reason="bench")
    facility = version.facility
    analyst = User.objects.create(
        username=f"repay-analyst-{run}-{n}", role="analyst", organisation=facility.lender
    )
    loans.record_opening_balance(
        facility=facility, actor=analyst, amount=opening, value_date=dt.date(2003, 1, 1)
    )
    return facility, analyst


def _import(path: Path, facility: Facility, analyst: User) -> tuple[float, str]:
    began = time.perf_counter()
    with path.open("rb") as handle:
        try:
            done = loans.import_repayments(
                facility=facility, actor=analyst, upload=File(handle, name=path.name)
            )
            outcome = f"{done.entries:,} entries"
        except LoanRefused as refused:
            outcome = f"refused, {len(str(refused).splitlines()) - 1} lines"
    return time.perf_counter() - began, outcome


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    call_command("migrate", verbosity=0)
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"repayments-{rows}.csv"
    total = Decimal(write_file(path, rows, seed=11)) / 100
    reads = []
    for _ in range(RUNS):
        began = time.perf_counter()
        read_repayments(path)
        reads.append(time.perf_counter() - began)
    run = uuid.uuid4().hex[:8]
    with override_settings(ABL_REPAYMENT_IMPORT_MAX_ROWS=rows):
        imports = [_import(path, *_facility(run, n, total)) for n in range(RUNS)]
        # Half the file fits: every row of the second half is refused.
        refusals = [_import(path, *_facility(run, RUNS + n, total / 2)) for n in range(RUNS)]
    read, (whole, outcome) = min(reads), min(imports)
    print(f"{rows:,} rows ({path.stat().st_size / 1e6:.1f} MB CSV), best of {RUNS}:")
    print(f"  read_repayments alone: {read:.2f} s")
    print(f"  import_repayments:     {whole:.2f} s ({outcome}), {whole / read:.2f}x (goal ≤ 3x)")
    refused, outcome = min(refusals)
    print(f"  the file refused:      {refused:.2f} s ({outcome})")


if __name__ == "__main__":
    main()
