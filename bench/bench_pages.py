"""Benchmark: every page a user meets first after a change, under gunicorn with DEBUG=0.

Goal (issue 24): the facility, the certificate, its drill-downs, the portfolio
dashboard, the covenants and the fees pages each have a p95 at most 8× the login
page's, measured in the same run against the same server (one client; each page's
requests interleaved with the login page's). Prints a table; asserts nothing.

Needs DATABASE_URL pointing at a PostgreSQL database of its own (with
DATABASE_OWNER_URL it migrates it as the owner, as deployed). The first time, it
seeds the Innotrac facility (`seed_demo`) and gives it a realistic history through
the same commands a user's actions go through: two months of borrowing base
certificates of 20,000 invoices each (the first approved, the second submitted and
waiting for the analyst, so its page compares the two), the quarter's financial
statement accepted and tested, two months of fees posted, and the nightly close.
What those queue runs in the command's own process (no REDIS_URL while seeding).

    DATABASE_URL=postgres://…/abl_bench_pages DATABASE_OWNER_URL=postgres://…/abl_bench_pages \
        .venv/bin/python bench/bench_pages.py [--requests 200] [--invoices 20000] [--only NAME]

The server runs as bench/bench_certificate_page.py runs it: production settings
(DEBUG=0, static files collected, WhiteNoise), two sync workers, plain HTTP on a free
port of 127.0.0.1; every page is seen by the ABL analyst, who meets all of them.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
sys.path.insert(0, str(ROOT))

from bench import bench_certificate_page as server  # noqa: E402
from bench.generate import write_receivables_csv  # noqa: E402

FACILITY = "innotrac-2003"
EXAMPLES = ROOT / "examples" / "innotrac"
# The history: (as-of date, business date it is submitted on), monthly.
MONTHS = [(dt.date(2003, 3, 31), dt.date(2003, 4, 4)), (dt.date(2003, 4, 30), dt.date(2003, 5, 5))]
TODAY = dt.date(2003, 5, 6)  # the business date the pages are read on


def manage(*args: str, on: dt.date, capture: bool = False) -> str:
    """manage.py in a process of its own on business date `on`; what it queues runs in it."""
    env = {**os.environ, "DEBUG": "1", "ABL_BUSINESS_DATE": on.isoformat(), "REDIS_URL": ""}
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout if capture else ""


def migrate() -> None:
    if os.environ.get("DATABASE_OWNER_URL"):  # two roles, as deployed
        manage("migrate", "--database", "owner", "-v0", on=TODAY)
        manage("grant_app_role", on=TODAY)
    else:
        manage("migrate", "-v0", on=TODAY)


def seeded() -> bool:
    from abl.models import Certificate

    return Certificate.objects.filter(facility__slug=FACILITY, as_of=MONTHS[-1][0]).exists()


def seed(invoices: int) -> None:
    """The facility's history, through the commands (the services a page's actions call)."""
    from abl.models import Certificate
    from covenants.models import FinancialStatement

    aging = DATA / f"ar-{invoices}.csv"
    if not aging.exists():
        write_receivables_csv(aging, invoices, seed=7)
    manage("seed_demo", on=MONTHS[0][1])
    for n, (as_of, on) in enumerate(MONTHS):
        manage(
            "submit_borrowing_base",
            *("--facility", FACILITY, "--as-of", as_of.isoformat(), "--ar", str(aging)),
            *("--inventory", str(EXAMPLES / "inventory.csv"), "--user", "dgamsey"),
            on=on,
        )
        if n < len(MONTHS) - 1:  # the newest waits for the analyst
            certificate = Certificate.objects.get(facility__slug=FACILITY, as_of=as_of)
            manage(
                "review_certificate",
                *("--certificate", str(certificate.pk), "--approve", "--user", "abl.analyst"),
                on=on,
            )
    period = dt.date(2003, 3, 31)
    manage(
        "submit_statement",
        *("--facility", FACILITY, "--period-end", period.isoformat()),
        *("--financials", str(EXAMPLES / "financials-2003-03-31.json"), "--user", "dgamsey"),
        on=dt.date(2003, 4, 25),
    )
    statement = FinancialStatement.objects.get(facility__slug=FACILITY, period_end=period)
    manage(
        "accept_statement",
        *("--statement", str(statement.pk), "--user", "abl.analyst"),
        on=dt.date(2003, 4, 28),
    )
    for month, on in (("2003-03", dt.date(2003, 4, 1)), ("2003-04", dt.date(2003, 5, 1))):
        manage("post_fees", "--month", month, on=on)
    manage("close_business_day", on=TODAY)


Page = tuple[str, str, Callable[[], None] | None]


def forget_comparison(certificate: Any) -> Callable[[], None] | None:
    """Before each request, the certificate's comparison with the one approved before it
    dropped from the shared cache: its page as first met after a new computation (None
    without REDIS_URL, where each worker keeps its own cache)."""
    if not os.environ.get("REDIS_URL"):
        return None
    from django.core.cache import cache

    from abl.services.certificates import latest_approved

    previous = latest_approved(certificate.facility, before=certificate.as_of)
    assert previous is not None
    assert previous.approved is not None
    key = "abl.comparison:" + ":".join(
        f"{c.pk}@{c.created_at.isoformat()}" for c in (certificate.current, previous.approved)
    )  # as abl.views.presenters.comparison_with names it
    return lambda: cache.delete(key)


def pages(cookie: str) -> dict[str, Page]:
    """The pages, by name: (path, session cookie, what to do before each request)."""
    from abl.models import Certificate, CustomerLine, Facility

    facility = Facility.objects.get(slug=FACILITY)
    certificate = Certificate.objects.get(facility=facility, as_of=MONTHS[-1][0])
    assert certificate.current is not None
    biggest = (
        CustomerLine.objects.filter(computation=certificate.current)
        .order_by("-invoice_count")
        .first()
    )
    assert biggest is not None
    base = f"/certificates/{certificate.pk}"
    named = {
        "the facility": f"/facilities/{facility.pk}/",
        "the certificate (the analyst's, compared)": f"{base}/",
        "its customers (drill-down)": f"{base}/receivables/",
        f"its biggest customer's invoices ({biggest.invoice_count:,})": (
            f"{base}/customers/{biggest.customer_id}/"
        ),
        "its inventory (drill-down)": f"{base}/inventory/",
        "the portfolio dashboard": "/portfolio/",
        "the covenants": f"/facilities/{facility.pk}/covenants/",
        "the fees": f"/facilities/{facility.pk}/fees/",
    }
    found = {name: (path, cookie, None) for name, path in named.items()}
    if (forget := forget_comparison(certificate)) is not None:
        found["the certificate, first request after a new computation"] = (
            f"{base}/",
            cookie,
            forget,
        )
    return found


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.test import Client

    from abl.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def measure(named: dict[str, Page], requests: int) -> list[tuple[str, float, float]]:
    """Each page's p95 and the login page's p95 of the same stretch (ms), interleaved."""
    rows = []
    for name, (path, cookie, before) in named.items():
        for _ in range(3):  # each worker has served it once
            server.get(path, cookie)
        page, login = [], []
        for _ in range(requests):
            if before is not None:
                before()
            page.append(server.get(path, cookie))
            login.append(server.get("/login/", None))
        rows.append((name, server.p95(page), server.p95(login)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of this benchmark's own")
    DATA.mkdir(parents=True, exist_ok=True)
    migrate()
    static = tempfile.mkdtemp(prefix="abl-bench-static-")
    env = {
        **os.environ,
        **server.SERVER_ENV,
        "STATIC_ROOT": static,
        "ABL_BUSINESS_DATE": TODAY.isoformat(),
        # With REDIS_URL the cache is Redis, shared by the workers, as in production.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "ABL_CACHE_KEY_PREFIX": f"bench-pages-{os.getpid()}",
    }
    server.collect_static(env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if not seeded():
        seed(options.invoices)
    named = {
        name: page
        for name, page in pages(session_cookie("abl.analyst")).items()
        if options.only in name
    }
    load_before = os.getloadavg()
    with server.gunicorn(env):
        rows = measure(named, options.requests)
    print(
        f"gunicorn, 2 sync workers, DEBUG=0, one client, {options.requests} requests a page,"
        " each interleaved with the login page's; seen by the ABL analyst"
    )
    print(
        "load average (1, 5, 15 min) before and after: "
        + "; ".join(
            ", ".join(f"{v:.2f}" for v in values) for values in (load_before, os.getloadavg())
        )
    )
    width = max(len(name) for name, *_ in rows)
    print(f"{'page':<{width}}  {'p95 ms':>8}  {'login p95':>9}  {'× login':>7}  goal ≤ 8×")
    for name, page, login in rows:
        ratio = page / login
        print(
            f"{name:<{width}}  {page:8.1f}  {login:9.1f}  {ratio:6.1f}×  "
            + ("met" if ratio <= 8 else "NOT MET")
        )
    print(f"worst: {max(page / login for _, page, login in rows):.1f}×")


if __name__ == "__main__":
    main()
