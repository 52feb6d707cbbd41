"""Benchmark: the certificate page under gunicorn with DEBUG=0, against the login page.

Goal (issue 11): the certificate page of a 1,000,000-invoice certificate serves
at least half the requests per second of the login page, both measured in the
same run against the same server (runs interleaved, medians compared). Needs
the PostgreSQL database `bench/bench_submit.py` filled (it takes the newest
submitted certificate there). The page compares it with the certificate
approved before it, as every page does once a facility has one: when none is
approved yet, the submitted one before it is approved first (once; what
approving queues runs in this process).
Prints its figures; asserts nothing. Two pages: as its borrower sees it once
submitted (no form on it) and as the analyst reviewing it sees it (its review,
reserve and consent forms). Each figure is given twice: the page served from the
page cache (the same page again while its data is unchanged, each form's CSRF
token put in as it is served; reporting/services/page_cache.py) and rendered
every time (the cache off).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/bench_certificate_page.py

With REDIS_URL the cache is Redis (as in production); without it, each worker's memory.

The server runs as production does (DEBUG=0, static files collected, served by
WhiteNoise) with two sync workers, one per core, plain HTTP on 127.0.0.1 (so the
HTTPS redirect and secure cookies are switched off). The load is CLIENTS
threads each sending requests one after another for SECONDS seconds, on
connections of their own.
"""

import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLIENTS = 4
SECONDS = 3.0
ROUNDS = 7
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


def requests_per_second(path: str, cookie: str | None) -> float:
    """Requests answered 200 per second by CLIENTS threads in SECONDS."""
    done = [0] * CLIENTS
    failures: list[str] = []
    stop = time.perf_counter() + SECONDS
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"

    def client(n: int) -> None:
        while time.perf_counter() < stop:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                failures.append(f"{path} answered {response.status}")
                return
            done[n] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return sum(done) / (time.perf_counter() - start)


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


def against_login(page: str, cookie: str) -> tuple[list[float], list[float]]:
    """Requests per second of the login page and of `page`, ROUNDS of each, interleaved."""
    requests_per_second(page, cookie)  # warm both workers
    login, other = [], []
    for _ in range(ROUNDS):
        login.append(requests_per_second("/login/", None))
        other.append(requests_per_second(page, cookie))
    return login, other


def cached_and_rendered(env: dict[str, str], page: str, cookie: str, name: str) -> None:
    """`page` against the login page, served from the page cache (the same page again while its
    data is unchanged) and rendered every time (ABL_PAGE_CACHE_SECONDS=0); prints both."""
    for label, seconds in [("cached", env.get("ABL_PAGE_CACHE_SECONDS", "300")), ("rendered", "0")]:
        with gunicorn({**env, "ABL_PAGE_CACHE_SECONDS": seconds}):
            login, other = against_login(page, cookie)
        ratio = statistics.median(other) / statistics.median(login)
        print(f"gunicorn, 2 sync workers, DEBUG=0, {CLIENTS} clients, {SECONDS:.0f} s a round")
        print(f"  login page: {', '.join(f'{r:.0f}' for r in login)} requests/s")
        print(f"  {name}, {label}: {', '.join(f'{r:.0f}' for r in other)} requests/s")
        print(f"  ratio of the medians: {ratio:.2f} of the login page's rate (goal ≥ 0.50)")


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database bench_submit.py filled")
    static = tempfile.mkdtemp(prefix="abl-bench-static-")
    env = {**os.environ, **SERVER_ENV, "STATIC_ROOT": static}
    # With REDIS_URL the page cache is Redis, shared by the workers, as in production (what
    # approving queues in session_cookie still runs in this process).
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "")
    collect_static(env)
    os.environ["STATIC_ROOT"] = static  # approving renders the PDF in this process
    env["ABL_CACHE_KEY_PREFIX"] = f"bench-certificate-{os.getpid()}"
    for username, whose in [("dgamsey", "its borrower's"), ("abl.analyst", "the analyst's")]:
        cookie, pk = session_cookie(username)
        cached_and_rendered(env, f"/certificates/{pk}/", cookie, f"certificate {pk}, {whose} page")


if __name__ == "__main__":
    main()
