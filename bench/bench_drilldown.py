"""Benchmark: the drill-down pages of a 1,000,000-invoice certificate, in-process.

Goal (issue 11): every page p95 ≤ 50 ms and ≤ 12× the login page measured in
the same run. Each page's requests are interleaved with the login page's (a
page, the login page, a page, …), so both see the same machine: it is shared,
and its load moves within a run. Production settings (`DEBUG=0`, static files
collected into a directory of the run's own). Needs the PostgreSQL database
`bench/bench_submit.py` filled (it takes the newest submitted certificate
there). Prints its figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench .venv/bin/python bench/bench_drilldown.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The production settings bench_certificate_page.py serves with, for the test client's host.
from bench.bench_certificate_page import SERVER_ENV, collect_static  # noqa: E402

os.environ.update(
    {
        **SERVER_ENV,
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": tempfile.mkdtemp(prefix="abl-bench-static-"),
    }
)
collect_static(dict(os.environ))

from django.test import Client  # noqa: E402

# Started as the production server starts: every view imported, and what start-up
# built frozen out of the collector's way (config/wsgi.py).
import config.wsgi  # noqa: E402, F401
from abl.models import Certificate, CustomerLine, User  # noqa: E402

RUNS = 100


def timed(client: Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def p95s(client: Client, url: str, anonymous: Client) -> tuple[float, float]:
    """The p95 of `url` and of the login page, RUNS requests each, interleaved."""
    page, login = [], []
    for _ in range(RUNS):
        page.append(timed(client, url))
        login.append(timed(anonymous, "/login/"))
    return statistics.quantiles(page, n=20)[-1], statistics.quantiles(login, n=20)[-1]


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database bench_submit.py filled")
    certificate = (
        Certificate.objects.filter(status=Certificate.Status.SUBMITTED).order_by("-pk").first()
    )
    if certificate is None or certificate.current is None:
        raise SystemExit("no submitted certificate: run bench/bench_submit.py first")
    lines = CustomerLine.objects.filter(computation=certificate.current)
    biggest = lines.order_by("-invoice_count").first()
    smallest = lines.order_by("invoice_count").first()
    assert biggest is not None
    assert smallest is not None
    last = (biggest.invoice_count + 49) // 50
    base = f"/certificates/{certificate.pk}"
    pages = {
        "customers, all": f"{base}/receivables/",
        **{
            f"customers, {c}": f"{base}/receivables/?category={c}"
            for c in ("past_due", "cross_aged", "concentration", "foreign")
        },
        f"biggest customer ({biggest.invoice_count:,} invoices), first page": (
            f"{base}/customers/{biggest.customer_id}/"
        ),
        "biggest customer, a middle page": f"{base}/customers/{biggest.customer_id}/?page={last // 2}",
        "biggest customer, last page": f"{base}/customers/{biggest.customer_id}/?page={last}",
        f"a small customer ({smallest.invoice_count} invoices)": (
            f"{base}/customers/{smallest.customer_id}/"
        ),
    }
    anonymous = Client()
    borrower = Client()
    borrower.force_login(User.objects.get(username="dgamsey"))
    for url in pages.values():  # warm the cache of each page's plan once
        borrower.get(url)
    anonymous.get("/login/")
    print(f"certificate {certificate.pk}: {sum(line.invoice_count for line in lines):,} invoices")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"p95 of {RUNS} requests each, interleaved with {RUNS} of the login page")
    for name, url in pages.items():
        figure, login = p95s(borrower, url, anonymous)
        print(
            f"{name}: p95 {figure:.1f} ms, {figure / login:.1f}× login's {login:.1f} ms"
            " (goal ≤ 50 ms, ≤ 12×)"
        )


if __name__ == "__main__":
    main()
