"""Benchmark: the collateral readers alone.

Goals (issue 3): an XLSX of 100,000 rows read in ≤ 0.6 s; the 1,000,000-row
CSV is measured too. Prints its figures; asserts nothing.

    .venv/bin/python bench/bench_readers.py
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abl.readers import read_receivables  # noqa: E402
from bench.generate import write_receivables_csv, write_receivables_xlsx  # noqa: E402

DATA = ROOT / "bench" / ".data"


def best_of(path: Path, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        read_receivables(path)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    xlsx = DATA / "ar-100000.xlsx"
    if not xlsx.exists():
        write_receivables_xlsx(xlsx, 100_000, seed=7)
    csv = DATA / "ar-1000000.csv"
    if not csv.exists():
        write_receivables_csv(csv, 1_000_000, seed=7)
    print(
        f"XLSX 100,000 rows ({xlsx.stat().st_size / 1e6:.1f} MB): best of 3 {best_of(xlsx):.2f} s (goal ≤ 0.6 s)"
    )
    print(f"CSV 1,000,000 rows ({csv.stat().st_size / 1e6:.1f} MB): best of 3 {best_of(csv):.2f} s")


if __name__ == "__main__":
    main()
