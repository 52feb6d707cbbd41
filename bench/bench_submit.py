r"""Benchmark: 1,000,000 invoices through `manage.py submit_borrowing_base` into PostgreSQL.

Goal: ≤ 2.0× a `psql \copy` of the same file into a plain table of text
columns, measured in the same run (runs interleaved, medians compared). Needs
DATABASE_URL pointing at a PostgreSQL database it may fill (it migrates it and
loads the Innotrac facility), and REDIS_URL: what the submission queues (the
certificate's PDF, the emails, the cadence) is queued as in production, for a
worker to do afterwards, not done in the command. Prints its figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/bench_submit.py
"""

import datetime as dt
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

# What the submission queues (the PDF, emails, the cadence) goes to a queue no
# worker reads, as in production where a worker does it afterwards; emptied at the end.
QUEUE = "abl-bench-submit"


def manage(*args: str, quiet: bool = True) -> tuple[float, float]:
    """Run manage.py; its wall time and its CPU time (user and system, every thread counted)."""
    # A business date far ahead, so each run can report a fresh as-of date of its own.
    env = {
        **os.environ,
        "DEBUG": "1",
        "ABL_BUSINESS_DATE": "2099-12-31",
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def raw_copy_seconds(path: Path) -> float:
    """The yardstick: the same file COPYed as it is into a table of text columns."""
    import dj_database_url
    import psycopg

    url = os.environ["DATABASE_URL"]
    settings = dj_database_url.parse(url)
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    ) as conn:
        columns = ", ".join(f"c{n} text" for n in range(9))
        conn.execute(f"CREATE TABLE bench_raw_copy ({columns})")
        start = time.perf_counter()
        with (
            conn.cursor().copy(
                "COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
            path.open("rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_raw_copy")
        conn.commit()
    return elapsed


def psql_copy_seconds(path: Path) -> float:
    """The baseline: `psql \\copy` of the file into a plain table, psql's own start-up included."""
    url = os.environ["DATABASE_URL"]
    columns = ", ".join(f"c{n} text" for n in range(9))
    subprocess.run(
        [
            "psql",
            url,
            "-qc",
            f"DROP TABLE IF EXISTS bench_plain; CREATE TABLE bench_plain ({columns})",
        ],
        check=True,
    )
    start = time.perf_counter()
    subprocess.run(
        ["psql", url, "-qc", f"\\copy bench_plain from '{path}' with (format csv, header true)"],
        check=True,
    )
    elapsed = time.perf_counter() - start
    subprocess.run(["psql", url, "-qc", "DROP TABLE bench_plain"], check=True)
    return elapsed


def _load(values: tuple[float, float, float] | None = None) -> str:
    """The machine's load average, printed with the figures: they move with it."""
    return ", ".join(f"{v:.2f}" for v in (values or os.getloadavg()))


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database for this benchmark")
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        raise SystemExit("set REDIS_URL: the submission's tasks are queued, as in production")
    DATA.mkdir(parents=True, exist_ok=True)
    big = DATA / "ar-1000000.csv"
    if not big.exists():
        write_receivables_csv(big, 1_000_000, seed=7)
    load_before = os.getloadavg()
    manage("migrate", "-v0")
    manage("seed_demo")
    startup, _ = manage("help", "submit_borrowing_base")
    # A fresh as-of date each run, on or after the aging's own date (no invoice
    # may be dated after it): a date already submitted is (rightly) refused.
    first = dt.date(2003, 3, 31) + dt.timedelta(days=int(time.time()) % 20_000)
    times, cpus, copies = [], [], []
    for n in range(5):
        copies.append(psql_copy_seconds(big))
        as_of = (first + dt.timedelta(days=n)).isoformat()
        wall, cpu = manage(
            "submit_borrowing_base",
            "--facility",
            "innotrac-2003",
            "--as-of",
            as_of,
            "--ar",
            str(big),
            "--user",
            "dgamsey",
        )
        times.append(wall)
        cpus.append(cpu)
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(QUEUE)
    raw = raw_copy_seconds(big)
    submit, copy = statistics.median(times), statistics.median(copies)
    print(f"file: {big.name}, {big.stat().st_size / 1e6:.1f} MB, 1,000,000 invoices, PostgreSQL")
    print(f"load average (1, 5, 15 min) before and after: {_load(load_before)}; {_load()}")
    print(f"a raw COPY from Python into a table of text columns: {raw:.2f} s")
    print(f"start-up (manage.py help): {startup:.2f} s")
    print(f"psql \\copy into a plain table: {', '.join(f'{t:.2f}' for t in copies)} s")
    print(f"submit_borrowing_base: {', '.join(f'{t:.2f}' for t in times)} s")
    # On a shared machine the command's own CPU moves less than its wall time.
    print(
        f"its CPU (user + system, both cores counted; the server's not included): "
        f"{', '.join(f'{t:.2f}' for t in cpus)} s, median {statistics.median(cpus):.2f} s"
    )
    print(f"ratio of the medians: {submit / copy:.2f}× the psql \\copy (goal ≤ 2.0×)")


if __name__ == "__main__":
    main()
