"""Every calc/ module (and the file readers) imports without Django."""

import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ["abl.calc", "covenants.calc", "reporting.calc", "abl.readers"]


def _modules() -> list[str]:
    names = []
    for package in PURE_PACKAGES:
        names.append(package)
        path = ROOT / package.replace(".", "/")
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(path)])]
    return names


def test_calc_modules_import_without_django():
    modules = _modules()
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Django was loaded by a pure module: {result.stdout}"
    assert "abl.calc.money" in modules
