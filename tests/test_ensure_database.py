"""`manage.py ensure_database`, run by `make demo` before migrating: a PostgreSQL demo on a
server where only the role exists gets its database, and a role that may not create one is
told in one line what to run, never given a traceback."""

import os
import subprocess
import sys
import uuid

import pytest

from tests.test_database_roles import APP, OWNER, ROLES_SQL, ROOT, _superuser, _url

pytestmark = pytest.mark.postgres


def _ensure(url: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "ensure_database"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **keep,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "DATABASE_URL": url,
        },
        check=False,
    )


@pytest.fixture
def missing_database():
    name = f"abl_newcomer_{uuid.uuid4().hex[:10]}"
    with _superuser("postgres") as admin:
        admin.execute(ROLES_SQL)
        admin.execute(f"ALTER ROLE {OWNER} CREATEDB")
    yield name
    with _superuser("postgres") as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _exists(name: str) -> bool:
    with _superuser("postgres") as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


def test_a_missing_database_is_created_once(missing_database):
    first = _ensure(_url(OWNER, missing_database))
    second = _ensure(_url(OWNER, missing_database))

    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Created the database {missing_database}.\n"
    assert _exists(missing_database)
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""


def test_a_role_that_may_not_create_it_is_told_what_to_run(missing_database):
    result = _ensure(_url(APP, missing_database))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"CommandError: the database {missing_database} does not exist and the role {APP} "
        f"may not create it: run `sudo -u postgres createdb -O {APP} {missing_database}` once"
    )
    assert not _exists(missing_database)


def test_an_unreachable_server_is_one_line(missing_database):
    result = _ensure(f"postgres://{OWNER}:{OWNER}@127.0.0.1:1/{missing_database}")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"CommandError: cannot reach PostgreSQL for {missing_database}: "
    )
    assert len(result.stderr.strip().splitlines()) == 1
