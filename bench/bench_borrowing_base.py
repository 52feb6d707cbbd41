"""Benchmark: `manage.py borrowing_base` on a 1,000,000-invoice aging (about 80 MB).

Goal: ≤ 1.5× the polars floor (`bench/polars_floor.py`, in a process of its own,
as the command is): all nine columns read with strict typed parsing and the §3
rules applied in polars expressions, measured in the same run; peak memory
≤ 600 MiB. Prints its figures; its one assertion is that the floor and the
command find the same eligible receivables on the file (no time is asserted).

    .venv/bin/python bench/bench_borrowing_base.py [--rows 1000000] [--runs 3] [--against DIR]

Each process's CPU time (user and system, both cores counted) is printed beside
its wall time: on the shared machine the wall time moves with the load far more.
`--against DIR` runs the command of another copy of the code interleaved with
this one's, to compare a change with the code before it in the same run:

    mkdir /tmp/before && git archive HEAD~1 | tar -x -C /tmp/before
    .venv/bin/python -m compileall -q /tmp/before   # as this checkout's modules are

(with PYTHONDONTWRITEBYTECODE set, a module without an up-to-date .pyc is
compiled again on every run: a few ms each, on start-up.)
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
sys.path.insert(0, str(ROOT))

from bench.generate import write_receivables_csv  # noqa: E402


def run(args: list[str], root: Path = ROOT) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one command (the checkout at
    `root`), in a process of its own."""
    env = {**os.environ, "DEBUG": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(
            f"command failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


FLOOR = ROOT / "bench" / "polars_floor.py"


def floor_rules(terms_path: Path, as_of: str) -> Path:
    """The §3 settings of the terms file, as the floor script reads them (a JSON file)."""
    from abl.calc.terms import load_terms_yaml  # pure: no Django

    rules = load_terms_yaml(terms_path.read_text()).receivables
    path = DATA / "floor-rules.json"
    path.write_text(
        json.dumps(
            {
                "as_of": as_of,
                "age_limit_days": rules.age_limit_days,
                "cross_age_pct": str(rules.cross_age_pct),
                "concentration_limit_pct": str(rules.concentration_limit_pct),
                "concentration_overrides": {
                    k: str(v) for k, v in rules.concentration_overrides.items()
                },
                "eligible_countries": list(rules.eligible_countries),
            }
        )
    )
    return path


def baseline(path: Path, rules: Path) -> tuple[float, float, float]:
    """The polars floor (bench/polars_floor.py): wall seconds, CPU seconds and peak RSS
    (MiB), in a process of its own."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(FLOOR), str(path), str(rules)], stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit("the polars floor failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def same_eligible(common: list[str], path: Path, rules: Path) -> Decimal:
    """Both compute the same eligible receivables on the file, or the bench stops."""
    floor = subprocess.run(
        [sys.executable, str(FLOOR), str(path), str(rules)],
        check=True,
        capture_output=True,
        text=True,
    )
    ours = subprocess.run(
        [sys.executable, "manage.py", *common, "--ar", str(path)],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1"},
        check=True,
        capture_output=True,
        text=True,
    )
    eligible = Decimal(json.loads(ours.stdout)["eligible_receivables"])
    floor_eligible = Decimal(int(floor.stdout)) / 100
    assert eligible == floor_eligible, (eligible, floor_eligible)
    return eligible


def _load(values: tuple[float, float, float] | None = None) -> str:
    """The machine's load average, printed with the figures: they move with it."""
    return ", ".join(f"{v:.2f}" for v in (values or os.getloadavg()))


def _median(runs: list[tuple[float, float, float]], at: int) -> float:
    return statistics.median(r[at] for r in runs)


def _figures(runs: list[tuple[float, float, float]]) -> str:
    """Wall and CPU medians and the peak of some runs, as printed."""
    return (
        f"{_median(runs, 0):.2f} s, CPU {_median(runs, 1):.2f} s, "
        f"peak {max(r[2] for r in runs):.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--against", type=Path, help="another checkout whose command runs interleaved"
    )
    options = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    big = DATA / f"ar-{options.rows}.csv"
    if not big.exists():
        write_receivables_csv(big, options.rows, seed=7)
    tiny = DATA / "ar-10.csv"
    if not tiny.exists():
        write_receivables_csv(tiny, 10, seed=7)
    terms = ROOT / "examples" / "innotrac" / "terms.yaml"
    common = [
        "borrowing_base",
        "--terms",
        str(terms),
        "--as-of",
        "2003-03-31",
        "--outstanding",
        "5000000",
    ]
    roots = {"this checkout": ROOT}
    if options.against:
        roots[str(options.against)] = options.against.resolve()

    rules = floor_rules(terms, "2003-03-31")
    eligible = same_eligible(common, big, rules)
    load_before = os.getloadavg()
    startup: dict[str, list[tuple[float, float, float]]] = {name: [] for name in roots}
    full: dict[str, list[tuple[float, float, float]]] = {name: [] for name in roots}
    minimal = []
    for _ in range(options.runs):  # interleaved, so all see the same machine
        for name, root in roots.items():
            startup[name].append(run([*common, "--ar", str(tiny)], root))
    for _ in range(options.runs):
        minimal.append(baseline(big, rules))
        for name, root in roots.items():
            full[name].append(run([*common, "--ar", str(big)], root))
    floor = _median(minimal, 0)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"load average (1, 5, 15 min) before and after: {_load(load_before)}; {_load()}")
    print(f"file: {big.name}, {big.stat().st_size / 1e6:.1f} MB, {options.rows:,} invoices")
    print(f"medians of {options.runs} runs; CPU is user + system, both cores counted")
    print(f"eligible receivables, the same in both: {eligible:,}")
    print(f"polars floor (nine columns typed, §3 rules): {_figures(minimal)}")
    for name in roots:
        total = _median(full[name], 0)
        print(f"{name}:")
        print(f"  start-up (10-row file): {_figures(startup[name])}")
        print(f"  borrowing_base:         {_figures(full[name])}")
        print(f"  above start-up: {total - _median(startup[name], 0):.2f} s")
        print(
            f"  ratio: {total / floor:.2f}× the polars floor "
            f"(CPU {_median(full[name], 1) / _median(minimal, 1):.2f}×; "
            "goal ≤ 1.5×; peak ≤ 600 MiB)"
        )
    _ = resource  # the peak comes from wait4's rusage of each child


if __name__ == "__main__":
    main()
