"""Start-up loads neither polars nor the Celery application: a command that needs them imports them.

`manage.py load_terms`, `verify_audit` or a web request for the login page have
no use for the readers' engine or the task queue; they are imported where a
frame is read (abl/readers, abl/services/processing/) or a task is sent (abl/tasks).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_django_setup_loads_neither_polars_nor_the_celery_app():
    script = (
        "import sys, django\n"
        "django.setup()\n"
        "print(sorted(m for m in ('polars', 'pyarrow', 'fastexcel', 'config.celery') "
        "if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "[]"


def test_borrowing_base_on_files_runs_without_setting_up_the_application_or_celery():
    # manage.py runs it without django.setup(): no model may be imported on its
    # way. It queues nothing, so neither may Celery (the beat schedule's crontabs).
    script = (
        "import runpy, sys\n"
        "sys.argv = ['manage.py', 'borrowing_base', '--terms', 'examples/innotrac/terms.yaml',\n"
        "            '--as-of', '2003-03-31', '--ar', 'examples/innotrac/receivables.csv', '--json']\n"
        "runpy.run_path('manage.py', run_name='__main__')\n"
        "from django.apps import apps\n"
        "print('registry ready:', apps.ready, file=sys.stderr)\n"
        "print('celery loaded:', 'celery' in sys.modules, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= {"DEBUG": "1", "ABL_BUSINESS_DATE": "2003-04-07"}

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert '"gross_receivables": "28978205.85"' in result.stdout
    assert "registry ready: False" in result.stderr
    assert "celery loaded: False" in result.stderr
