"""A PostgreSQL restart costs no request a 500: persistent connections are health-checked.

The web process keeps its database connection between requests (CONN_MAX_AGE).
When PostgreSQL restarts, that connection is dead; with CONN_HEALTH_CHECKS on,
Django tries it before the request's first query and opens a new one instead of
failing. The test runs the real thing: a throwaway PostgreSQL cluster of its own
(never the shared server), gunicorn serving config.settings with DEBUG off, the
cluster restarted between requests.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SESSION_COOKIE = "sessionid=" + "a" * 32  # a well-formed key: the session is read from the database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class Cluster:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, action: str) -> None:
        """start, restart (fast: open connections are cut) or stop (immediate)."""
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30"]
        if action == "stop":
            command += ["-m", "immediate", "stop"]
        else:  # the server's output to a file: a pipe would keep this call waiting on it
            command += ["-m", "fast", "-o", options, "-l", str(self.data / "server.log"), action]
        with (self.data.parent / "pg_ctl.out").open("ab") as out:
            subprocess.run(_as_postgres(*command), stdout=out, stderr=out, check=True, timeout=60)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and not shutil.which("runuser")):
        reason = f"needs PostgreSQL's server programs in {PG_BIN}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    home = Path(tempfile.mkdtemp(prefix="abl-pg-"))
    home.chmod(0o755)
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    server = Cluster(data=data, port=_free_port())
    try:
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-N"
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.pg_ctl("start")
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            server.pg_ctl("stop")
        shutil.rmtree(home, ignore_errors=True)


def _environment(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off) on the throwaway cluster, plain HTTP on localhost."""
    dropped = {"DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_OWNER_URL", "REDIS_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-check-deploy-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
    }


@pytest.fixture
def web(cluster: Cluster) -> Iterator[str]:
    """gunicorn, one worker and one thread (so one persistent connection), on the cluster."""
    env = _environment(cluster.url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "sessions", "--no-input"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _status(url: str) -> int:
    """The status of a GET that reads its session from the database (the home page: 302 to log in)."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": SESSION_COOKIE})
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_requests_after_a_postgresql_restart_answer_without_error(cluster, web):
    before = [_status(f"{web}/") for _ in range(2)]  # the worker now holds a connection

    cluster.pg_ctl("restart")
    after = [_status(f"{web}/") for _ in range(3)]

    assert before == [302, 302]
    assert after == [302, 302, 302]
