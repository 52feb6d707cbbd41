"""Benchmark: the certificate page and its drill-downs under gunicorn with DEBUG=0.

Goal (issue 24): each page, rendered as a user first meets it after a change, has a
p95 at most 8× the login page's, both measured in the same run against the same
server (one client; each page's requests interleaved with the login page's, so
both see the same machine). Needs the PostgreSQL database `bench/bench_submit.py`
filled (it takes the newest submitted certificate there). The page compares it with
the certificate approved before it, as every page does once a facility has one: when
none is approved yet, the submitted one before it is approved first (once; what
approving queues runs in this process). Prints its figures; asserts nothing.

Pages: the certificate as its borrower sees it once submitted (no form on it) and as
the analyst reviewing it sees it (its review, reserve and consent forms); the
customer list and the biggest customer's first page of invoices. Every page is
rendered on every request; the one thing kept in the cache is the two computations
compared (abl/views/presenters.py: comparison_with, under both computations' ids).
The run also measures, in-process, the certificate page with that cache and without
it (Django's dummy cache): what it saves.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/bench_certificate_page.py

With REDIS_URL the cache is Redis (as in production); without it, each worker's memory.

The server runs as production does (DEBUG=0, static files collected, served by
WhiteNoise) with two sync workers, one per core, plain HTTP on 127.0.0.1 (so the
HTTPS redirect and secure cookies are switched off).
"""

import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = 200
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-bench-only",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "ABL_TWO_FACTOR_REQUIRED": "0",
    "ABL_BUSINESS_DATE": "2099-12-31",
    "REDIS_URL": "",
}


def free_port() -> int:
    """A port nobody listens on now (other benchmarks may run on the same machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = free_port()


def session_cookie(username: str) -> tuple[str, int]:
    """A logged-in session for `username`, made in-process, and the newest submitted certificate."""
    os.environ.update(SERVER_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from abl.models import Certificate, User
    from abl.services.certificates import approve_certificate, latest_approved

    submitted = Certificate.objects.filter(status=Certificate.Status.SUBMITTED).order_by("-pk")
    certificate = submitted.first()
    if certificate is None or certificate.current is None:
        raise SystemExit("no submitted certificate: run bench/bench_submit.py first")
    if latest_approved(certificate.facility, before=certificate.as_of) is None:
        before = submitted.filter(as_of__lt=certificate.as_of).order_by("-as_of").first()
        if before is None:
            raise SystemExit("no certificate before it to approve: run bench_submit.py again")
        approve_certificate(certificate=before, actor=User.objects.get(username="abl.analyst"))
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value, certificate.pk


def get(path: str, cookie: str | None) -> float:
    """Seconds until `path` is answered in full, on a connection of its own; 200 or exit."""
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}")
    return elapsed


def p95(samples: list[float]) -> float:
    """The 95th percentile, in milliseconds."""
    return statistics.quantiles(samples, n=20)[-1] * 1000


def against_login(pages: dict[str, tuple[str, str]]) -> None:
    """Each page (name: path, session cookie) and the login page, REQUESTS each, one after
    the other (a page, the login page, …); prints each page's p95 beside the login page's
    of the same stretch."""
    print(f"gunicorn, 2 sync workers, DEBUG=0, one client, {REQUESTS} requests a page")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, (path, cookie) in pages.items():
        for _ in range(3):  # each worker has served it once
            get(path, cookie)
        page, login = [], []
        for _ in range(REQUESTS):
            page.append(get(path, cookie))
            login.append(get("/login/", None))
        ratio = p95(page) / p95(login)
        print(
            f"  {name}: p95 {p95(page):.1f} ms (median {statistics.median(page) * 1000:.1f}),"
            f" login p95 {p95(login):.1f} ms: {ratio:.1f}× (goal ≤ 8×)"
        )


def wait_for_server() -> None:
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            connection.request("GET", "/login/", headers={"Host": "127.0.0.1"})
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def collect_static(env: dict[str, str]) -> None:
    """collectstatic into env's STATIC_ROOT, as the Dockerfile runs it."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[None]:
    """The application served on PORT by gunicorn with two sync workers, as production runs it."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_server()
        yield
    finally:
        server.terminate()
        server.wait()


def biggest_customer(pk: int) -> tuple[str, int]:
    """The id and invoice count of the certificate's customer with the most invoices."""
    from abl.models import Certificate, CustomerLine

    current = Certificate.objects.get(pk=pk).current
    line = CustomerLine.objects.filter(computation=current).order_by("-invoice_count").first()
    assert line is not None
    return line.customer_id, line.invoice_count


def comparison_saving(pk: int) -> None:
    """In-process, the analyst's certificate page with the comparison kept in the cache and
    with Django's dummy cache (worked out on every request, as on the first request after a
    new computation), interleaved with the login page."""
    from django.test import Client
    from django.test.utils import override_settings

    from abl.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="abl.analyst"))
    anonymous = Client(HTTP_HOST="127.0.0.1")
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    kept: list[float] = []
    worked_out: list[float] = []
    login: list[float] = []
    client.get(f"/certificates/{pk}/")
    anonymous.get("/login/")
    for _ in range(REQUESTS // 4):
        for samples, who, path, caches in [
            (kept, client, f"/certificates/{pk}/", None),
            (worked_out, client, f"/certificates/{pk}/", dummy),
            (login, anonymous, "/login/", None),
        ]:
            with override_settings(**({"CACHES": caches} if caches else {})):
                start = time.perf_counter()
                assert who.get(path).status_code == 200
                samples.append(time.perf_counter() - start)
    saved = 1 - statistics.median(kept) / statistics.median(worked_out)
    print(f"in-process, the analyst's certificate page, {REQUESTS // 4} requests each:")
    for name, samples in [("the comparison kept", kept), ("worked out", worked_out)]:
        print(
            f"  {name}: median {statistics.median(samples) * 1000:.1f} ms,"
            f" p95 {p95(samples):.1f} ms, {p95(samples) / p95(login):.1f}× login's"
            f" {p95(login):.1f} ms"
        )
    print(f"  the cache saves {saved:.0%} of the median")


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database bench_submit.py filled")
    static = tempfile.mkdtemp(prefix="abl-bench-static-")
    env = {**os.environ, **SERVER_ENV, "STATIC_ROOT": static}
    # With REDIS_URL the cache is Redis, shared by the workers, as in production (what
    # approving queues in session_cookie still runs in this process).
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "")
    collect_static(env)
    os.environ["STATIC_ROOT"] = static  # approving renders the PDF in this process
    env["ABL_CACHE_KEY_PREFIX"] = f"bench-certificate-{os.getpid()}"
    borrower, pk = session_cookie("dgamsey")
    analyst, _ = session_cookie("abl.analyst")
    customer, invoices = biggest_customer(pk)
    base = f"/certificates/{pk}"
    pages = {
        f"certificate {pk}, its borrower's page": (f"{base}/", borrower),
        f"certificate {pk}, the analyst's page": (f"{base}/", analyst),
        "its customers": (f"{base}/receivables/", borrower),
        "its cross-aged customers": (f"{base}/receivables/?category=cross_aged", borrower),
        f"its biggest customer ({invoices:,} invoices), first page": (
            f"{base}/customers/{customer}/",
            borrower,
        ),
    }
    with gunicorn(env):
        against_login(pages)
    comparison_saving(pk)


if __name__ == "__main__":
    main()
