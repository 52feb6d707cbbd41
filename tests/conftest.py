"""Shared fixtures, and the rule for tests that need a real service.

A test marked `postgres`, `redis` or `browser` runs against the real thing.
When the service is absent the test is skipped with the reason, except under
CI=true, where an absent service fails the run.

With DATABASE_OWNER_URL set (the "owner" connection; .ci/run sets it), the
tests use the database as a deployment does (docs/deployment.md, "Database
roles"): the owner role creates and migrates the test database and runs
grant_app_role on it, and the tests connect as the application's role
(DATABASE_URL), which may only INSERT and SELECT the audit trail. Without it
(SQLite, a single-role PostgreSQL) pytest-django sets the database up as usual.
"""

import logging
import os
import shutil
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from hypothesis import settings as hypothesis_settings

from tests.factories import FacilityFactory, OrganisationFactory, UserFactory
from tests.processes import Spawned, collect_static

OWNER = "owner"
OWNER_FLUSH = "owner_flush"  # not in settings.DATABASES
DROP_PARTITIONS = """
DO $$ DECLARE name text; BEGIN
  FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'abl_partitions' LOOP
    EXECUTE format('DROP TABLE abl_partitions.%I', name);
  END LOOP;
END $$"""

# Property tests check behaviour, never speed: no per-example deadline, which a busy shared
# machine (CI's two cores) would otherwise turn into a flaky failure.
hypothesis_settings.register_profile("abl", deadline=None)
hypothesis_settings.load_profile("abl")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing_service(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis and a Celery worker: set REDIS_URL=redis://…"
    if marker == "browser" and not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return "needs Debian's chromium (apt-get install chromium)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing_service(marker)
        if reason is None:
            continue
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and a required service is missing: {reason}", pytrace=False)
        pytest.skip(reason)


if OWNER in settings.DATABASES:

    @pytest.fixture(scope="session")
    def django_db_setup(
        request,
        django_test_environment,
        django_db_blocker,
        django_db_use_migrations,
        django_db_keepdb,
        django_db_createdb,
        django_db_modify_db_settings,
    ) -> Iterator[None]:
        """pytest-django's fixture of the same name, with the test database made by the owner.

        Django would create and migrate it on the default connection (its
        aliases are grouped by the database they reach, the default first), as
        the application's role, which may not. Here only the owner is set up;
        the default connection then points at the same database, still as the
        application's role, and grant_app_role gives that role its privileges.
        """
        from django.core.management import call_command
        from django.db import connections
        from django.test.utils import setup_databases, teardown_databases

        if not django_db_use_migrations:
            pytest.fail("the owner's test database is made by its migrations: drop --nomigrations")
        keepdb = django_db_keepdb and not django_db_createdb
        app = connections[DEFAULT_DB_ALIAS]
        with django_db_blocker.unblock():
            app.close()
            # Before the owner migrates: a stray query on the default connection
            # reaches the test database (and is refused), never the real one.
            app.creation.set_as_test_mirror(
                {"NAME": connections[OWNER].creation._get_test_db_name()}
            )
            # Django would otherwise have the owner wait for the default to be set up.
            connections[OWNER].settings_dict["TEST"]["DEPENDENCIES"] = []
            old_config = setup_databases(
                verbosity=request.config.option.verbose,
                interactive=False,
                keepdb=keepdb,
                aliases={OWNER},
                serialized_aliases=set(),
            )
            call_command("grant_app_role", stdout=StringIO())
        yield
        if not keepdb:
            with django_db_blocker.unblock():
                connections.close_all()  # DROP DATABASE waits for no session
                teardown_databases(old_config, verbosity=request.config.option.verbose)

    @pytest.fixture(scope="session", autouse=True)
    def _flush_as_the_owner() -> Iterator[None]:
        """After a transaction=True test the tables are emptied as the owner.

        pytest-django empties them with Django's flush command, a TRUNCATE on
        the test's connections: the application's role may not TRUNCATE, and
        the audit trail's trigger refuses it to all but the owner (migration
        abl/0010). So a flush asked of the default connection runs as the
        owner, on a connection opened for it under an alias of its own (Django
        keeps the "owner" alias from tests that do not ask for it, and lets
        them use a connection made on the fly).
        """
        from django.core.management.commands import flush
        from django.db import connections

        handle = flush.Command.handle

        def flush_as_the_owner(self, *args, **options):
            if options.get("database", DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
                return handle(self, *args, **options)
            owner = connections[OWNER]
            connections[OWNER_FLUSH] = owner.__class__(dict(owner.settings_dict), OWNER_FLUSH)
            try:
                flushed = handle(self, *args, **{**options, "database": OWNER_FLUSH})
                # Emptying the invoices leaves their partitions, one table per file: drop
                # them, or a later test's sweep finds them as orphans of no file.
                with connections[OWNER_FLUSH].cursor() as cursor:
                    cursor.execute(DROP_PARTITIONS)
                return flushed
            finally:
                connections[OWNER_FLUSH].close()
                del connections[OWNER_FLUSH]

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(flush.Command, "handle", flush_as_the_owner)
            yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rolled-back data may repeat a computation's id."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _celery_backends_closed(request):
    """A test with real Celery closes every result backend it made, in any thread (tests/brokers.py)."""
    if request.node.get_closest_marker("redis") is None:
        yield
        return
    from config.celery import app
    from tests.brokers import backends_closed

    with backends_closed(app):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The audit anchors too: an anchor of another test's trail would not match this one's.
    settings.AUDIT_ANCHOR_PATH = tmp_path / "audit-anchors.jsonl"


@pytest.fixture
def celery_worker_on_redis(settings):
    """A real Celery worker (in a thread) taking tasks from Redis; the test needs the redis mark."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    # Celery reads Django's settings live (namespace CELERY): a change to
    # app.conf would be shadowed by them, so turn eager mode off there.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The embedded worker sets up Celery's logging: the root logger at ERROR, its handlers
    # replaced. Put back after, or a later test's warnings are never logged.
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


@pytest.fixture
def spawned(tmp_path):
    """Start processes (tests/processes.py); every one still running is killed at the end."""
    processes = Spawned(tmp_path)
    yield processes
    processes.kill_all()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """The static files as the image collects them, for worker processes with DEBUG off."""
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def bank():
    return OrganisationFactory(name="SouthTrust Bank, N.A.", kind="bank")


@pytest.fixture
def facility(bank):
    return FacilityFactory(lender=bank)


@pytest.fixture
def borrower_user(facility):
    return UserFactory(role="borrower", organisation=facility.borrower)


@pytest.fixture
def analyst(bank):
    return UserFactory(role="analyst", organisation=bank)


@pytest.fixture
def relationship_manager(bank, facility):
    user = UserFactory(role="relationship_manager", organisation=bank)
    facility.relationship_managers.add(user)
    return user


@pytest.fixture
def admin_user(bank):
    return UserFactory(role="admin", organisation=bank, is_staff=True, is_superuser=True)


@pytest.fixture
def pending_certificate(facility, borrower_user):
    """A draft whose receivables file waits for a worker that never comes: its page polls with htmx."""
    import datetime as dt
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from abl.services import collateral
    from tests.abl.conftest import AGING

    certificate = collateral.open_draft(
        facility=facility, as_of=dt.date(2003, 3, 31), actor=borrower_user
    )
    collateral.set_reported_outstanding(
        certificate=certificate, outstanding=Decimal("100000.00"), actor=borrower_user
    )
    collateral.receive_file(
        certificate=certificate,
        kind="receivables",
        upload=SimpleUploadedFile("aging.csv", AGING.encode()),
        actor=borrower_user,
        queue=False,
    )
    return certificate
