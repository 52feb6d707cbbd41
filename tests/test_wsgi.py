"""The WSGI application: every view loaded at start-up, and what start-up built frozen."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import gc, sys
import config.wsgi
print(gc.get_freeze_count() > 50_000, "abl.views.drilldown" in sys.modules)
"""


def test_start_up_loads_every_view_then_freezes_what_it_built():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}

    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert probe.stdout.split() == ["True", "True"], probe.stderr
