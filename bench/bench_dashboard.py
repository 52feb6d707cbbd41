"""Benchmark: the portfolio dashboard with 1,000 facilities × 3 years of history.

Goals: ≤ 5 queries of its own and p95 ≤ 15 ms in-process (issue 14); under gunicorn
with DEBUG=0 a p95 at most 8× the login page's, same run, requests interleaved
(issue 24). Also prints how long refreshing every facility's line takes (the
nightly work behind the page). Needs DATABASE_URL
pointing at a PostgreSQL database it may fill (it migrates it and adds 1,000
facilities named `bench-dash-*` the first time, each with 36 approved monthly
certificates, a ledger of 227 entries, 72 due items and 70 fee charges).
Prints its figures; asserts nothing. The page is rendered on every request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench_dash REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/bench_dashboard.py

In-process and under gunicorn the application runs with the production
settings (DEBUG=0, static files collected), as bench/bench_certificate_page.py
runs it; the relationship manager `bench-dash-rm` covers every facility.
"""

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_certificate_page as server  # noqa: E402

FACILITIES = 1_000
MONTHS = 36
REQUESTS = 300
TERMS = ROOT / "examples" / "innotrac" / "terms.yaml"
TODAY = dt.date(2003, 4, 7)


def _month_ends() -> list[dt.date]:
    ends, day = [], dt.date(2003, 3, 31)
    for _ in range(MONTHS):
        ends.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return sorted(ends)


def _fill() -> None:
    from django.db import connection, transaction

    from abl.models import (
        Certificate,
        Computation,
        Facility,
        Organisation,
        TermsVersion,
        User,
    )
    from abl.services.terms import load_facility_terms
    from reporting.models import DueItem

    if Facility.objects.filter(slug__startswith="bench-dash-").count() >= FACILITIES:
        return
    template, _ = load_facility_terms(
        text=TERMS.read_text().replace("id: innotrac-2003", "id: bench-dash-template"),
        actor=None,
        reason="bench",
    )
    bank = Organisation.objects.get(name="SouthTrust Bank, N.A.")
    user, _ = User.objects.get_or_create(
        username="bench-dash-analyst", defaults={"role": "analyst", "organisation": bank}
    )
    manager, _ = User.objects.get_or_create(
        username="bench-dash-rm", defaults={"role": "relationship_manager", "organisation": bank}
    )
    ends = _month_ends()
    with transaction.atomic():
        facilities = Facility.objects.bulk_create(
            Facility(
                slug=f"bench-dash-{n}",
                name=f"Bench borrower {n:04d}",
                lender=bank,
                borrower=template.facility.borrower,
            )
            for n in range(FACILITIES)
        )
        manager.portfolio.add(*facilities)
        versions = TermsVersion.objects.bulk_create(
            TermsVersion(
                facility=f, version=1, effective_date=ends[0], data=template.data, reason="b"
            )
            for f in facilities
        )
        for n, (facility, version) in enumerate(zip(facilities, versions, strict=True)):
            base = Decimal(4_000_000 + 10_000 * (n % 300))
            certificates = Certificate.objects.bulk_create(
                Certificate(
                    facility=facility,
                    as_of=end,
                    status=Certificate.Status.APPROVED,
                    created_by=user,
                )
                for end in ends
            )
            Computation.objects.bulk_create(
                Computation(
                    certificate=c,
                    terms_version=version,
                    figures={
                        "borrowing_base": str(base + i * 1000),
                        "reserves": "0.00",
                        "line_cap": str(base + i * 1000),
                        "ineligible_receivables": {
                            "past_due": str(100_000 + i * 500),
                            "cross_aged": str(20_000 + (i % 5) * 1000),
                        },
                        "ineligible_inventory": {"slow_moving": str(50_000 + i * 100)},
                    },
                    created_by=user,
                    reason="bench",
                )
                for i, c in enumerate(certificates)
            )
            _ledger(facility, base, ends)
            DueItem.objects.bulk_create(
                DueItem(
                    facility=facility,
                    kind=kind,
                    frequency="monthly" if kind == "certificate" else "",
                    period_end=end,
                    due_on=end + dt.timedelta(days=15 if kind == "certificate" else 30),
                    status="fulfilled" if end < ends[-1] or n % 7 else "open",
                    fulfilled_on=end + dt.timedelta(days=10) if end < ends[-1] or n % 7 else None,
                )
                for end in ends
                for kind in ("certificate", "financials")
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE abl_certificate c SET approved_id = k.id FROM abl_computation k "
                "WHERE k.certificate_id = c.id AND c.approved_id IS NULL"
            )


def _ledger(facility, base: Decimal, ends: list[dt.date]) -> None:
    """An opening balance, a collection each week, and each month's fee and interest charged
    (a ledger entry with its fee charge), in value-date order."""
    from abl.models import LedgerEntry
    from abl.models.fees import FeeCharge

    moves: list[tuple[dt.date, str, Decimal]] = [(ends[0], "opening", base * Decimal("0.7"))]
    moves += [
        (ends[0] + dt.timedelta(days=7 * w), "collection", Decimal(-9_000)) for w in range(1, 157)
    ]
    for end in ends[1:]:
        moves += [(end, "fee", Decimal("1555.00")), (end, "interest", Decimal("20000.00"))]
    moves.sort(key=lambda move: move[0])
    balance, entries = Decimal(0), []
    for seq, (day, kind, amount) in enumerate(moves, start=1):
        balance += amount
        entries.append(
            LedgerEntry(
                facility=facility,
                seq=seq,
                kind=kind,
                value_date=day,
                amount=amount,
                balance_after=balance,
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    FeeCharge.objects.bulk_create(
        FeeCharge(
            facility=facility,
            kind="monitoring" if entry.kind == "fee" else "interest",
            period=entry.value_date.replace(day=1),
            date=entry.value_date,
            amount=entry.amount,
            description="bench",
            entry=entry,
        )
        for entry in entries
        if entry.kind in {"fee", "interest"}
    )


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def in_process() -> None:
    """The page, unfiltered and filtered and sorted, interleaved with the login page."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from abl.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench-dash-rm"))
    anonymous = Client(HTTP_HOST="127.0.0.1")
    pages = ["/portfolio/", "/portfolio/?frequency=monthly&sort=-excess_availability", "/login/"]
    for path in pages:
        assert (client if path != "/login/" else anonymous).get(path).status_code == 200
    framework = ("django_session", "abl_user", "abl_organisation")  # every signed-in page's
    with CaptureQueriesContext(connection) as rendered:
        client.get(pages[0])
    queries = rendered.captured_queries
    timings: dict[str, list[float]] = {path: [] for path in pages}
    for _ in range(REQUESTS):
        for path, samples in timings.items():
            who = anonymous if path == "/login/" else client
            start = time.perf_counter()
            who.get(path)
            samples.append(time.perf_counter() - start)
    print(f"in-process, DEBUG={settings.DEBUG}, {REQUESTS} requests each, interleaved")
    own = [q for q in queries if not any(t in q["sql"] for t in framework)]
    print(f"queries of a request: {len(queries)} ({len(own)} of its own; goal ≤ 5)")
    for path, samples in timings.items():
        print(
            f"  {path}: median {statistics.median(samples) * 1000:.1f} ms, "
            f"p95 {_p95(samples):.1f} ms" + (" (goal ≤ 15 ms)" if path != "/login/" else "")
        )


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database the benchmark may fill")
    static = tempfile.mkdtemp(prefix="abl-bench-static-")
    env = {
        **os.environ,
        **server.SERVER_ENV,
        "STATIC_ROOT": static,
        "ABL_BUSINESS_DATE": TODAY.isoformat(),
    }
    # The refresh below is called here, not sent to a worker.
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "")
    server.collect_static(env)
    os.environ.clear()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    # Started as the production server starts: django.setup(), every view imported, and
    # what start-up built frozen out of the collector's way (config/wsgi.py).
    import config.wsgi  # noqa: F401
    from abl.models import User
    from reporting.services.positions import refresh_positions

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _fill()
    print(f"filled (or found) in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    refreshed = refresh_positions(on=TODAY)
    print(f"refreshing every line: {refreshed:,} in {time.perf_counter() - started:.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does for a table this size in production
    in_process()
    client = Client()
    client.force_login(User.objects.get(username="bench-dash-rm"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    with server.gunicorn(env):
        server.against_login(
            {
                "the dashboard": ("/portfolio/", cookie),
                "filtered and sorted": (
                    "/portfolio/?frequency=monthly&sort=-excess_availability",
                    cookie,
                ),
            }
        )


if __name__ == "__main__":
    main()
