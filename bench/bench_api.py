"""Benchmark: the JSON API (/api/v1/) under gunicorn with DEBUG=0, against baselines of the same run.

Goals (issue 25), each a p95 measured against the same server in the same run (one
client; each endpoint's requests interleaved with its baseline's, so both see the
same machine):

1. `GET /api/v1/facilities/{id}/status/` at most 3× an API endpoint that does nothing
   (`/api/v1/bench/noop/`, bench/api_urls.py) behind the same authentication,
   permission and throttle classes; both called with a real bearer token.
2. The drill-down over the API, `GET /api/v1/certificates/{id}/invoices/?customer=…`
   (first page, 50 invoices), at most 1.5× the HTML drill-down page of the same
   customer's invoices (`/certificates/{id}/customers/{customer}/`, first page).

Both are asked by Innotrac's CFO (dgamsey, a borrower: a token of his own needs no
second factor; the page with his session). The customer is the certificate's
biggest. Prints the figures; asserts nothing.

Needs DATABASE_URL pointing at a PostgreSQL database of its own (with
DATABASE_OWNER_URL it migrates it as the owner, as deployed); the first time, it
seeds the Innotrac facility and its history as bench/bench_pages.py does, with
`--invoices` invoices in each of its two certificates. The size is the database's:
to measure another size, use another database.

    DATABASE_URL=postgres://…/abl_bench_api DATABASE_OWNER_URL=postgres://…/abl_bench_api \
        REDIS_URL=redis://127.0.0.1:6379/7 \
        .venv/bin/python bench/bench_api.py [--requests 200] [--invoices 20000]

The issue's figure for the drill-down is at 1,000,000 invoices (`--invoices 1000000`
on a database of its own: seeding it takes a while). The server runs as
bench/bench_pages.py runs it (production settings, static files collected, two sync
workers, plain HTTP on a free port of 127.0.0.1), with the settings of
bench/api_settings.py: config.settings and bench/api_urls.py as ROOT_URLCONF (the
site's URLs and the no-op endpoint), and each token's allowance raised
(ABL_API_THROTTLE_RATE) so that the throttle counts every request but refuses none.
With REDIS_URL the throttle's counts and the cache are in Redis, as in production.
"""

import argparse
import http.client
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_certificate_page as server  # noqa: E402
from bench import bench_pages  # noqa: E402

USER = "dgamsey"  # Innotrac's CFO, a borrower
NOOP = "/api/v1/bench/noop/"

Request = tuple[str, dict[str, str]]  # a path and its headers


def get(path: str, headers: dict[str, str]) -> float:
    """Seconds until `path` is answered in full, on a connection of its own; 200 or exit."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", server.PORT, timeout=60)
    connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}: {body[:300]!r}")
    return elapsed


def bearer_token() -> str:
    """A new token of the CFO's own, read only (it only reads here)."""
    from abl.models import User
    from abl.services.api_tokens import create_api_token

    user = User.objects.get(username=USER)
    return create_api_token(user=user, actor=user, name="bench_api", read_only=True, days=1).secret


def comparisons(
    token: str, cookie: str
) -> tuple[list[tuple[str, Request, str, Request, float]], str]:
    """(name, request, baseline's name, baseline's request, goal) for each goal, and what was seeded."""
    from abl.models import Certificate, CustomerLine, Facility

    facility = Facility.objects.get(slug=bench_pages.FACILITY)
    certificate = Certificate.objects.get(facility=facility, as_of=bench_pages.MONTHS[-1][0])
    lines = CustomerLine.objects.filter(computation=certificate.current)
    biggest = lines.order_by("-invoice_count").first()
    assert biggest is not None
    invoices = sum(line.invoice_count for line in lines)
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    session = {"Cookie": f"sessionid={cookie}"}
    customer = biggest.customer_id
    return [
        (
            "facility status (API)",
            (f"/api/v1/facilities/{facility.pk}/status/", api),
            "no-op API endpoint",
            (NOOP, api),
            3.0,
        ),
        (
            f"biggest customer's invoices ({biggest.invoice_count:,}), first page (API)",
            (
                f"/api/v1/certificates/{certificate.pk}/invoices/?customer={quote(customer, safe='')}",
                api,
            ),
            "the same, HTML page",
            (f"/certificates/{certificate.pk}/customers/{quote(customer)}/", session),
            1.5,
        ),
    ], f"certificate {certificate.pk} of {invoices:,} invoices"


def measure(
    named: list[tuple[str, Request, str, Request, float]], requests: int
) -> list[tuple[str, float, str, float, float]]:
    """Each endpoint's p95 and its baseline's p95 of the same stretch (ms), interleaved."""
    rows = []
    for name, (path, headers), base_name, (base_path, base_headers), goal in named:
        for _ in range(3):  # each worker has served both once
            get(path, headers)
            get(base_path, base_headers)
        figure, baseline = [], []
        for _ in range(requests):
            figure.append(get(path, headers))
            baseline.append(get(base_path, base_headers))
        rows.append((name, server.p95(figure), base_name, server.p95(baseline), goal))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=20_000)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of this benchmark's own")
    bench_pages.DATA.mkdir(parents=True, exist_ok=True)
    bench_pages.migrate()
    static = tempfile.mkdtemp(prefix="abl-bench-static-")
    env = {
        **os.environ,
        **server.SERVER_ENV,
        "STATIC_ROOT": static,
        "ABL_BUSINESS_DATE": bench_pages.TODAY.isoformat(),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "ABL_CACHE_KEY_PREFIX": f"bench-api-{os.getpid()}",
        "ABL_API_THROTTLE_RATE": "1000000/minute",
    }
    server.collect_static(env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if not bench_pages.seeded():
        bench_pages.seed(options.invoices)
    named, seeded = comparisons(bearer_token(), bench_pages.session_cookie(USER))
    load_before = os.getloadavg()
    with server.gunicorn({**env, "DJANGO_SETTINGS_MODULE": "bench.api_settings"}):
        rows = measure(named, options.requests)
    print(
        f"gunicorn, 2 sync workers, DEBUG=0, one client, {options.requests} requests each,"
        f" interleaved with the baseline's; asked by {USER} (a bearer token; the page, a session);"
        f" {seeded}"
    )
    print(
        "load average (1, 5, 15 min) before and after: "
        + "; ".join(
            ", ".join(f"{v:.2f}" for v in values) for values in (load_before, os.getloadavg())
        )
    )
    for name, figure, base_name, baseline, goal in rows:
        ratio = figure / baseline
        print(
            f"{name}: p95 {figure:.1f} ms; {base_name}: p95 {baseline:.1f} ms;"
            f" {ratio:.2f}× (goal ≤ {goal:g}×) " + ("met" if ratio <= goal else "NOT MET")
        )


if __name__ == "__main__":
    main()
