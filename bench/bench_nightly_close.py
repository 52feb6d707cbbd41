"""Benchmark: the nightly close (`reporting.services.close.close_business_day`) over 10,000 facilities.

Goal (issue 12): ≤ 200 ms of database work, and no more than 3× one `UPDATE`
over the same rows (every facility's cadence row) in the same run. Database
work is the time spent in the database connection's `execute` calls (the
Python between them, and queueing the day's reminders, are not counted). Each
run closes the next business date: every facility measured, its cadence read,
the calendar brought up to the date; runs and yardstick UPDATEs are
interleaved and medians compared. Needs DATABASE_URL pointing at a
PostgreSQL database it may fill (it migrates it and adds 10,000 facilities
named `bench-close-*` the first time). Prints its figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench .venv/bin/python bench/bench_nightly_close.py [--statements]

`--statements` prints each statement's median time too.
"""

import datetime as dt
import os
import re
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "1"
os.environ.pop("REDIS_URL", None)  # tasks go to Celery's in-memory broker, never run here

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from abl.models import (  # noqa: E402
    Certificate,
    Computation,
    Facility,
    LedgerEntry,
    Organisation,
    TermsVersion,
    User,
)
from reporting.models import Cadence, DailyClose, DueItem  # noqa: E402
from reporting.services.close import close_business_day  # noqa: E402

# Reminders go to Celery's in-memory broker, as they would go to Redis: the
# workers that send them are not the close's work.
settings.CELERY_TASK_ALWAYS_EAGER = False

FACILITIES = 10_000
RUNS = 7
FIRST_DAY = dt.date(2003, 4, 7)
LINE_CAP = Decimal("546125.00")
TERMS = ROOT / "examples" / "innotrac" / "terms.yaml"


def _fill() -> None:
    """10,000 facilities with terms, an approved certificate and an opening balance."""
    from abl.services.terms import load_facility_terms

    existing = Facility.objects.filter(slug__startswith="bench-close-").count()
    if existing >= FACILITIES:
        return
    template, _ = load_facility_terms(
        text=TERMS.read_text().replace("id: innotrac-2003", "id: bench-close-template"),
        actor=None,
        reason="bench",
    )
    bank = Organisation.objects.get(name="SouthTrust Bank, N.A.")
    borrower = template.facility.borrower
    user, _ = User.objects.get_or_create(
        username="bench-close", defaults={"role": "analyst", "organisation": bank}
    )
    figures = {"borrowing_base": str(LINE_CAP), "reserves": "0.00", "line_cap": str(LINE_CAP)}
    with transaction.atomic():
        facilities = Facility.objects.bulk_create(
            Facility(slug=f"bench-close-{n}", name=f"Bench {n}", lender=bank, borrower=borrower)
            for n in range(existing, FACILITIES)
        )
        versions = TermsVersion.objects.bulk_create(
            TermsVersion(
                facility=f,
                version=1,
                effective_date=FIRST_DAY,
                data=template.data,
                reason="bench",
            )
            for f in facilities
        )
        certificates = Certificate.objects.bulk_create(
            Certificate(
                facility=f,
                as_of=dt.date(2003, 3, 31),
                status=Certificate.Status.APPROVED,
                created_by=user,
            )
            for f in facilities
        )
        Computation.objects.bulk_create(
            Computation(
                certificate=c, terms_version=v, figures=figures, created_by=user, reason="bench"
            )
            for c, v in zip(certificates, versions, strict=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE abl_certificate c SET approved_id = k.id FROM abl_computation k "
                "WHERE k.certificate_id = c.id AND c.approved_id IS NULL"
            )
        # Drawn between 70% and 95% of the line cap: some facilities weekly, most monthly.
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                facility=f,
                seq=1,
                kind=LedgerEntry.Kind.OPENING,
                value_date=dt.date(2003, 3, 31),
                amount=(LINE_CAP * Decimal(70 + n % 26) / 100).quantize(Decimal("0.01")),
                balance_after=(LINE_CAP * Decimal(70 + n % 26) / 100).quantize(Decimal("0.01")),
            )
            for n, f in enumerate(facilities)
        )


class DatabaseTime:
    """Seconds spent inside the connection's execute calls, in all and by statement."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0
        self.statements: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - start
            self.seconds += seconds
            self.queries += 1
            self.statements.append(
                (re.sub(r'"s\d+_x\d+"', "…", " ".join(sql.split()))[:110], seconds)
            )


def close_on(day: dt.date) -> DatabaseTime:
    settings.ABL_BUSINESS_DATE = day.isoformat()
    timer = DatabaseTime()
    with connection.execute_wrapper(timer):
        close_business_day()
    return timer


def one_update() -> float:
    """The yardstick: one UPDATE writing every cadence row."""
    with transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute("UPDATE reporting_cadence SET measured_on = measured_on + 0")
        return time.perf_counter() - start


def _vacuum() -> None:
    """What autovacuum does on a production server (this machine's runs without it): the
    planner's statistics of the filled tables, and no dead rows left by earlier runs."""
    with connection.cursor() as cursor:
        for model in (
            Facility,
            TermsVersion,
            Certificate,
            Computation,
            LedgerEntry,
            Cadence,
            DueItem,
        ):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database the benchmark may fill")
    call_command("migrate", verbosity=0)
    _fill()
    _vacuum()
    closed = DailyClose.objects.values_list("business_date", flat=True)
    day = max([FIRST_DAY - dt.timedelta(days=1), *closed]) + dt.timedelta(days=1)
    print(f"first close of {day} (cadences made where missing) ...", flush=True)
    close_on(day)
    facilities = Cadence.objects.count()
    closes, updates, queries = [], [], 0
    statements: dict[str, list[float]] = {}
    for _ in range(RUNS):
        day += dt.timedelta(days=1)
        timer = close_on(day)
        closes.append(timer.seconds)
        queries = timer.queries
        for sql, seconds in timer.statements:
            statements.setdefault(sql, []).append(seconds)
        updates.append(one_update())
    if "--statements" in sys.argv:
        print("each statement: in how many closes, median ms")
        for sql, times in statements.items():
            print(f"  {len(times)} {statistics.median(times) * 1000:6.1f}  {sql}")
    close_ms = statistics.median(closes) * 1000
    update_ms = statistics.median(updates) * 1000
    print(f"facilities with a cadence: {facilities:,}; queries per close: {queries}")
    print(f"nightly close, database work: median {close_ms:.0f} ms (goal ≤ 200 ms)")
    print(f"one UPDATE of every cadence row: median {update_ms:.0f} ms")
    print(f"ratio: {close_ms / update_ms:.2f}× (goal ≤ 3×)")


if __name__ == "__main__":
    main()
