"""Least privilege in PostgreSQL: the application's role may append to the audit trail, nothing more.

A fresh database owned by the owner role (abl_owner) is migrated as that role
and granted to the application's role (abl_app) by the deployment's own
commands (`migrate --database owner`, `grant_app_role`); then PostgreSQL itself
is asked, as abl_app, to rewrite the audit trail, and must refuse.
.ci/run creates the two roles; the fixture creates them too when they are
missing, with the same statements (ROLES_SQL), so the module runs on any
cluster where it has a superuser: DATABASE_SUPERUSER_URL's when set (.ci/run,
where the suite itself connects as abl_app), else the suite's own user.

And the suite itself, under .ci/run, reaches its test database as abl_app
(tests/conftest.py): the last test checks that it does, and is refused too.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import ProgrammingError, connection, transaction

from abl.audit import record
from abl.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent
OWNER, APP = "abl_owner", "abl_app"
# The statements .ci/run starts with; passwords equal to the names, for CI only.
ROLES_SQL = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN
    CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER}';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP}') THEN
    CREATE ROLE {APP} LOGIN PASSWORD '{APP}';
  END IF;
END $$;
GRANT {APP} TO {OWNER};
"""

pytestmark = pytest.mark.postgres


def _url(role: str, dbname: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{role}:{role}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


def _superuser(dbname: str) -> psycopg.Connection:
    if settings.DATABASE_SUPERUSER_URL:
        return psycopg.connect(settings.DATABASE_SUPERUSER_URL, dbname=dbname, autocommit=True)
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def _manage(dbname: str, *args: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    keep.pop("REDIS_URL", None)  # tasks run in the command's own process
    env = {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "ABL_BUSINESS_DATE": "2003-04-07",
        "DATABASE_URL": _url(APP, dbname),
        "DATABASE_OWNER_URL": _url(OWNER, dbname),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database migrated as the owner and granted to the application's role."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL")  # the postgres mark reports it (or fails it under CI)
    name = f"abl_roles_{uuid.uuid4().hex[:10]}"
    with _superuser("postgres") as admin:
        admin.execute(ROLES_SQL)
        admin.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
    try:
        for args in (("migrate", "--database", "owner", "--no-input", "-v0"), ("grant_app_role",)):
            result = _manage(name, *args)
            assert result.returncode == 0, result.stderr
        yield name
    finally:
        with _superuser("postgres") as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _as(role: str, database: str) -> psycopg.Connection:
    return psycopg.connect(_url(role, database), autocommit=True)


INSERT_EVENT = (
    "INSERT INTO abl_auditevent (created_at, actor_name, action, object_type, object_id, "
    "chain, summary, changes, previous_hash, hash) "
    "VALUES (now(), 'app', 'x', 'system', '', 0, 'appended', '{}', '', '') RETURNING id"
)


def test_app_role_may_insert_and_select_the_audit_trail(database):
    with psycopg.connect(_url(APP, database)) as app:
        event_id = app.execute(INSERT_EVENT).fetchone()[0]
        summary = app.execute(
            "SELECT summary FROM abl_auditevent WHERE id = %s", [event_id]
        ).fetchone()
        app.rollback()  # an unsealed event would break the chain the last test verifies

    assert summary == ("appended",)


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        (
            "UPDATE abl_auditevent SET summary = 'rewritten'",
            "permission denied for table abl_auditevent",
        ),
        ("DELETE FROM abl_auditevent", "permission denied for table abl_auditevent"),
        ("TRUNCATE abl_auditevent", "permission denied for table abl_auditevent"),
        ("ALTER TABLE abl_auditevent DISABLE TRIGGER ALL", "must be owner of table abl_auditevent"),
        (
            "DROP TRIGGER abl_auditevent_no_update ON abl_auditevent",
            "must be owner of relation abl_auditevent",
        ),
        (
            "SET session_replication_role = replica",
            'permission denied to set parameter "session_replication_role"',
        ),
    ],
)
def test_app_role_cannot_rewrite_the_audit_trail(database, statement, refusal):
    with _as(APP, database) as app, pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        app.execute(statement)

    assert str(error.value).startswith(refusal)


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        (
            # A function of the name the application once called: it would have run instead.
            "CREATE FUNCTION abl_audit_append() RETURNS void LANGUAGE sql AS 'SELECT'",
            "permission denied for schema public",
        ),
        (
            "CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS 'SELECT NULL'",
            "permission denied for schema public",
        ),
        ("CREATE TABLE abl_planted (id int)", "permission denied for schema public"),
        ("CREATE VIEW abl_planted AS SELECT 1", "permission denied for schema public"),
        ("CREATE SCHEMA abl_app", "permission denied for database"),
        ("CREATE TEMPORARY TABLE abl_auditevent (id int)", "permission denied to create temporary"),
    ],
)
def test_app_role_can_create_nothing_where_the_application_looks(database, statement, refusal):
    with _as(APP, database) as app, pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        app.execute(statement)

    assert str(error.value).startswith(refusal)


def test_app_role_creates_its_partitions_apart_where_no_name_is_looked_up(database):
    """The one schema it may create in; the application's connections never search it."""
    with _as(APP, database) as app:
        app.execute("CREATE TABLE abl_partitions.abl_invoice_f0 (id int)")
        app.execute("DROP TABLE abl_partitions.abl_invoice_f0")
    result = _manage(database, "shell", "-v0", "-c", SHOW_SEARCH_PATH)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["public"] * 2


SHOW_SEARCH_PATH = (
    "from django.db import connections\n"
    "for alias in ('default', 'owner'):\n"
    "    with connections[alias].cursor() as c:\n"
    "        c.execute('SHOW search_path'); print(c.fetchone()[0])"
)


def test_app_role_has_full_dml_on_the_other_tables(database):
    with _as(APP, database) as app:
        pk = app.execute(
            "INSERT INTO abl_organisation (name, kind) VALUES ('Acme', 'borrower') RETURNING id"
        ).fetchone()[0]
        app.execute("UPDATE abl_organisation SET name = 'Acme Inc.' WHERE id = %s", [pk])
        name = app.execute("SELECT name FROM abl_organisation WHERE id = %s", [pk]).fetchone()
        deleted = app.execute("DELETE FROM abl_organisation WHERE id = %s", [pk]).rowcount

    assert (name, deleted) == (("Acme Inc.",), 1)


def test_app_role_owns_only_the_partitioned_invoice_rows(database):
    with _as(APP, database) as app:
        owned = app.execute(
            "SELECT tablename FROM pg_tables WHERE tableowner = %s ORDER BY 1", [APP]
        ).fetchall()

    assert owned == [("abl_invoice",)]


def test_truncate_granted_by_mistake_is_still_refused_by_the_trigger(database):
    with _superuser(database) as admin:
        admin.execute(f"GRANT TRUNCATE ON abl_auditevent TO {APP}")
    try:
        with _as(APP, database) as app, pytest.raises(psycopg.errors.RaiseException) as error:
            app.execute("TRUNCATE abl_auditevent")
    finally:
        with _superuser(database) as admin:
            admin.execute(f"REVOKE TRUNCATE ON abl_auditevent FROM {APP}")

    assert str(error.value).startswith("abl_auditevent is append-only: TRUNCATE is refused")


def test_owner_may_truncate_as_the_test_runner_does(database):
    """The trigger lets the table's owner through (pytest-django flushes with TRUNCATE)."""
    with psycopg.connect(_url(OWNER, database)) as owner:
        owner.execute("TRUNCATE abl_auditevent")
        owner.rollback()


def test_application_works_as_its_role_and_its_chain_verifies(database, tmp_path):
    """seed_demo and a whole borrowing base submission (invoice partitions included), as abl_app."""
    media = {"MEDIA_ROOT": str(tmp_path), "AUDIT_ANCHOR_PATH": str(tmp_path / "anchors.jsonl")}
    os.environ.update(media)
    try:
        steps = [
            ("seed_demo",),
            (
                "submit_borrowing_base",
                "--facility",
                "innotrac-2003",
                "--as-of",
                "2003-03-31",
                "--ar",
                "examples/innotrac/receivables.csv",
                "--user",
                "dgamsey",
            ),
        ]
        for step in steps:
            result = _manage(database, *step)
            assert result.returncode == 0, result.stderr
        anchored = _manage(database, "verify_audit", "--anchor")
        verified = _manage(database, "verify_audit")
    finally:
        os.environ.pop("MEDIA_ROOT")
        os.environ.pop("AUDIT_ANCHOR_PATH")

    assert anchored.returncode == 0, anchored.stderr
    assert verified.returncode == 0, verified.stderr
    assert " chains, every chain intact; checked against the anchor of " in verified.stdout


@pytest.mark.django_db
def test_the_suite_itself_connects_as_the_application_role(facility):
    """Under .ci/run every test reaches the database as abl_app, as web, worker and beat do."""
    if "owner" not in settings.DATABASES and os.environ.get("CI", "").lower() != "true":
        pytest.skip("a plain run connects as DATABASE_URL's role; .ci/run sets DATABASE_OWNER_URL")
    event = record(actor=None, action="x", obj=facility, summary="appended")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        role = cursor.fetchone()

    assert role == (APP, False)
    with (
        pytest.raises(ProgrammingError, match="permission denied for table abl_auditevent"),
        transaction.atomic(),
    ):
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")
