"""Benchmark: `manage.py borrowing_base` on a 1,000,000-invoice aging (about 80 MB).

Goal: ≤ 2.0× a minimal polars script (in a process of its own, as the command
is) that reads the same file and sums cents per customer, measured in the same
run; peak memory ≤ 600 MiB. Prints its figures; asserts nothing.

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
import os
import resource
import statistics
import subprocess
import sys
import time
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


BASELINE = """
import sys
import polars as pl
amount = pl.col("Amount").str.replace_all(r"[$,()]", "")
negative = pl.col("Amount").str.starts_with("(")
cents = (amount.cast(pl.Decimal(20, 2)) * 100).cast(pl.Int64)
totals = (
    pl.scan_csv(sys.argv[1], infer_schema=False)
    .select("Customer ID", pl.when(negative).then(-cents).otherwise(cents).alias("cents"))
    .group_by("Customer ID")
    .agg(pl.col("cents").sum())
    .collect(engine="streaming")
)
print(totals.height)
"""


def baseline(path: Path) -> tuple[float, float, float]:
    """The minimal polars script: wall seconds, CPU seconds and peak RSS (MiB), in a
    process of its own."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", BASELINE, str(path)], stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit("the baseline script failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


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

    load_before = os.getloadavg()
    startup: dict[str, list[tuple[float, float, float]]] = {name: [] for name in roots}
    full: dict[str, list[tuple[float, float, float]]] = {name: [] for name in roots}
    minimal = []
    for _ in range(options.runs):  # interleaved, so all see the same machine
        for name, root in roots.items():
            startup[name].append(run([*common, "--ar", str(tiny)], root))
    for _ in range(options.runs):
        minimal.append(baseline(big))
        for name, root in roots.items():
            full[name].append(run([*common, "--ar", str(big)], root))
    floor = _median(minimal, 0)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"load average (1, 5, 15 min) before and after: {_load(load_before)}; {_load()}")
    print(f"file: {big.name}, {big.stat().st_size / 1e6:.1f} MB, {options.rows:,} invoices")
    print(f"medians of {options.runs} runs; CPU is user + system, both cores counted")
    print(f"minimal polars script: {_figures(minimal)}")
    for name in roots:
        total = _median(full[name], 0)
        print(f"{name}:")
        print(f"  start-up (10-row file): {_figures(startup[name])}")
        print(f"  borrowing_base:         {_figures(full[name])}")
        print(f"  above start-up: {total - _median(startup[name], 0):.2f} s")
        print(
            f"  ratio: {total / floor:.2f}× the minimal polars script "
            f"(CPU {_median(full[name], 1) / _median(minimal, 1):.2f}×; "
            "goal ≤ 2.0×; peak ≤ 600 MiB)"
        )
    _ = resource  # the peak comes from wait4's rusage of each child


if __name__ == "__main__":
    main()
