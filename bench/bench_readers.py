"""Benchmark: the collateral readers alone.

Goals (issue 3): an XLSX of 100,000 rows read in ≤ 0.6 s; the 1,000,000-row
CSV is measured too. Prints its figures; asserts nothing.

    .venv/bin/python bench/bench_readers.py
"""

import sys
import time
from pathlib import Path

import fastexcel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abl.readers import read_receivables  # noqa: E402
from bench.generate import write_receivables_csv, write_receivables_xlsx  # noqa: E402

DATA = ROOT / "bench" / ".data"


RUNS = 7  # the machine is shared: the best of several runs is the steadiest figure


def best_of(path: Path, runs: int = RUNS, *, fastexcel_only: bool = False) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        if fastexcel_only:
            fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_polars()
        else:
            read_receivables(path)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    xlsx = DATA / "ar-100000-excel.xlsx"
    if not xlsx.exists():
        write_receivables_xlsx(xlsx, 100_000, seed=7)
    text_xlsx = DATA / "ar-100000-text.xlsx"
    if not text_xlsx.exists():
        write_receivables_xlsx(text_xlsx, 100_000, seed=7, as_text=True)
    csv = DATA / "ar-1000000.csv"
    if not csv.exists():
        write_receivables_csv(csv, 1_000_000, seed=7)
    print(
        f"XLSX 100,000 rows as Excel writes them ({xlsx.stat().st_size / 1e6:.1f} MB): "
        f"best of {RUNS} {best_of(xlsx):.2f} s, fastexcel alone {best_of(xlsx, fastexcel_only=True):.2f} s"
        " (goal ≤ 0.6 s)"
    )
    print(
        f"XLSX 100,000 rows, every cell inline text ({text_xlsx.stat().st_size / 1e6:.1f} MB): "
        f"best of {RUNS} {best_of(text_xlsx):.2f} s, "
        f"fastexcel alone {best_of(text_xlsx, fastexcel_only=True):.2f} s"
    )
    print(
        f"CSV 1,000,000 rows ({csv.stat().st_size / 1e6:.1f} MB): best of 3 {best_of(csv, 3):.2f} s"
    )


if __name__ == "__main__":
    main()
