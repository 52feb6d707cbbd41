"""The deployment files: no Docker engine runs here, so read them and check them."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service():
    assert set(_compose()["services"]) == {
        "web",
        "worker",
        "beat",
        "relay",
        "migrate",
        "db-roles",
        "db",
        "redis",
        "mail",
    }


def test_compose_worker_and_beat_reuse_web_image():
    services = _compose()["services"]

    images = {services[name]["image"] for name in ("web", "worker", "beat", "relay")}

    assert images == {"abl-desk:latest"}
    assert "build" in services["web"]
    assert "build" not in services["worker"]
    assert "build" not in services["beat"]
    assert "build" not in services["relay"]


def test_compose_commands_start_the_right_processes():
    services = _compose()["services"]

    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert services["relay"]["command"] == "python manage.py relay_outbox"


def test_compose_app_services_point_at_postgres_and_redis():
    web = _compose()["services"]["web"]

    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert web["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_compose_app_services_connect_as_the_application_role():
    services = _compose()["services"]

    for name in ("web", "worker", "beat", "relay"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://abl_app:"), name
        assert "DATABASE_OWNER_URL" not in environment, name
        assert "migrate" not in services[name]["command"], name
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_compose_migrates_as_the_owner_then_grants_the_application_role():
    migrate = _compose()["services"]["migrate"]

    assert migrate["environment"]["DATABASE_OWNER_URL"].startswith("postgres://abl_owner:")
    assert migrate["environment"]["DATABASE_URL"].startswith("postgres://abl_app:")
    assert migrate["command"] == (
        'sh -c "python manage.py migrate --database owner --no-input '
        '&& python manage.py grant_app_role"'
    )
    assert migrate["depends_on"]["db-roles"] == {"condition": "service_completed_successfully"}


def test_compose_creates_both_roles_and_gives_the_database_to_the_owner():
    script = _compose()["services"]["db-roles"]["command"][-1]

    assert "ARRAY['abl_owner', 'abl_app']" in script
    assert "ALTER ROLE abl_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB" in script
    assert "GRANT abl_app TO abl_owner;" in script
    assert "ALTER DATABASE abl_desk OWNER TO abl_owner;" in script


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "AUDIT_KEY",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        check=False,
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        AUDIT_KEY="y" * 64 + "-the-audit-trail-s-own-key",
        ALLOWED_HOSTS="abl.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_the_audit_key_is_derived_from_the_secret_key():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        ALLOWED_HOSTS="abl.example.com",
    )

    assert result.returncode != 0
    assert "(abl.W001) AUDIT_KEY is not set" in result.stderr


def test_production_settings_refuse_to_start_without_secret_key():
    result = _manage("check", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_dockerfile_collects_static_files_with_debug_off():
    """The build must use the manifest storage the running image serves from, not a .env's DEBUG."""
    from tests.test_production_pages import dockerfile_collectstatic

    env, argv = dockerfile_collectstatic()

    assert env == {"SECRET_KEY": "build-only", "DEBUG": "0"}
    assert argv[:4] == ["python", "manage.py", "collectstatic", "--no-input"]


def test_ci_runs_the_suite_as_the_application_role():
    """.ci/run: the tests connect as abl_app; abl_owner makes their database (tests/conftest.py)."""
    script = (ROOT / ".ci" / "run").read_text()

    assert 'export DATABASE_URL="postgres://abl_app:' in script
    assert 'export DATABASE_OWNER_URL="postgres://abl_owner:' in script
    assert "ALTER ROLE abl_owner LOGIN NOSUPERUSER NOCREATEROLE CREATEDB;" in script
    assert "ALTER ROLE abl_app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB;" in script
    assert "GRANT abl_app TO abl_owner;" in script


def test_ci_runs_the_readme_test_command_as_a_newcomer_too():
    """.ci/run ends with `make test` on no services at all: SQLite and in-process tasks."""
    script = (ROOT / ".ci" / "run").read_text()
    newcomer = script.rstrip().splitlines()[-1]

    assert newcomer.endswith(" make test")
    for variable in (
        "CI",
        "DATABASE_URL",
        "DATABASE_OWNER_URL",
        "DATABASE_SUPERUSER_URL",
        "REDIS_URL",
    ):
        assert f"-u {variable} " in newcomer, variable
    assert script.count("\nmake test\n") == 1  # and once with the services, before it


def _make_dry_run(*args: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "MAKEFLAGS"}}
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=True,
    )
    return result.stdout


def _site_url_of(target: str, *args: str, **env: str) -> str:
    """SITE_URL as `make TARGET` exports it, read by a probe that runs before the target's
    recipe (a prerequisite inherits the target's variables) and stops make there."""
    probe = "abl-probe-site-url"
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "MAKEFLAGS"}}
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "--eval",
            f"{target}: {probe}",
            "--eval",
            f"{probe}: ; @echo SITE_URL=$$SITE_URL; exit 3",
            *args,
            target,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=False,
    )
    # `demo` installs first when pyproject.toml is newer than the install: its lines come before.
    return next(line for line in result.stdout.splitlines() if line.startswith("SITE_URL="))


def test_the_demo_address_follows_port():
    """Printouts and e-mails use SITE_URL; the demo derives it from PORT unless it is given."""
    assert _site_url_of("serve") == "SITE_URL=http://127.0.0.1:8000"
    assert _site_url_of("serve", "PORT=9000") == "SITE_URL=http://127.0.0.1:9000"
    assert _site_url_of("demo", PORT="9001") == "SITE_URL=http://127.0.0.1:9001"
    assert (
        _site_url_of("serve", PORT="9000", SITE_URL="https://abl.example.com")
        == "SITE_URL=https://abl.example.com"
    )


def test_the_demo_creates_its_database_before_migrating():
    lines = _make_dry_run("demo").splitlines()
    ensure = next(i for i, line in enumerate(lines) if "manage.py ensure_database" in line)
    migrate = next(i for i, line in enumerate(lines) if "manage.py migrate" in line)

    assert ensure < migrate


def test_the_install_is_quiet_and_the_licence_is_an_spdx_expression():
    """A table licence makes setuptools print ~170 lines of warnings during `make demo`."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert project["project"]["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in project["build-system"]["requires"]
    makefile = (ROOT / "Makefile").read_text()
    assert '$(BIN)/python -m pip install -qq -e ".[dev]"' in makefile


def test_a_site_url_given_with_a_trailing_slash_is_read_without_it():
    """E-mail links and printouts add "/...": the one setting drops a trailing slash."""
    env = {**os.environ, "SITE_URL": "https://abl.example/", "DEBUG": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "https://abl.example"
