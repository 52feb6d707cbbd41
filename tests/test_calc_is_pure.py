"""Every calc/ module (and the file readers) imports without Django."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = [
    "abl.calc",
    "covenants.calc",
    "reporting.calc",
    "abl.readers",
    "abl.webhooks.calc",
]


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


# The pure layer's one direction (docs/architecture.md, "The app map"): the core's rules
# (abl.calc: the terms, money, due dates and frequency, the loan; abl.readers: the files)
# import no other app;
# the covenants' rules may read the core's; the reporting rules may read both.
MAY_IMPORT = {
    "abl.calc": ("abl.calc",),
    "abl.readers": ("abl.calc", "abl.readers"),
    "abl.webhooks.calc": ("abl.calc", "abl.webhooks.calc"),
    "covenants.calc": ("abl.calc", "abl.readers", "covenants.calc"),
    "reporting.calc": ("abl.calc", "abl.readers", "covenants.calc", "reporting.calc"),
}
PROJECT = ("abl", "covenants", "reporting", "config", "tests")


def _imports(path: Path) -> set[str]:
    """Every project module a file imports, at any depth (inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.split(".")[0] in PROJECT}


def _crossing(package: str) -> list[str]:
    allowed = MAY_IMPORT[package]
    found = []
    for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
        for name in sorted(_imports(path)):
            if not any(name == a or name.startswith(f"{a}.") for a in allowed):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_pure_layer_imports_only_downwards(package):
    assert _crossing(package) == []


def test_the_direction_rule_sees_a_crossing(tmp_path, monkeypatch):
    module = tmp_path / "abl" / "calc" / "wrong.py"
    module.parent.mkdir(parents=True)
    module.write_text("def f():\n    from reporting.calc.position import utilisation\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)

    assert _crossing("abl.calc") == ["abl/calc/wrong.py imports reporting.calc.position"]
