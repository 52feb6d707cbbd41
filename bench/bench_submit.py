r"""Benchmark: 1,000,000 invoices through `manage.py submit_borrowing_base` into PostgreSQL.

Goal: ≤ 2.0× a `psql \copy` of the same file into a typed table with a primary
key (the durable work a submission cannot avoid), measured in the same run (runs
interleaved, medians compared). Needs DATABASE_URL pointing at a PostgreSQL
database it may fill (it migrates it and loads the Innotrac facility; the
baseline's table is made as DATABASE_OWNER_URL when set), and REDIS_URL: what the submission queues (the
certificate's PDF, the emails, the cadence) is queued as in production, for a
worker to do afterwards, not done in the command. Prints its figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/bench_submit.py [--rows 1000000] [--runs 5]
"""

import argparse
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


# The durable work a submission cannot avoid: every row parsed to its type (the file's
# `$1,234.50` and `(5.00)` amounts are what PostgreSQL's money type reads, its two date
# styles what a date reads under DateStyle MDY) and stored under the key a customer's
# invoices are unique by.
TYPED_TABLE = """
    DROP TABLE IF EXISTS bench_typed;
    CREATE TABLE bench_typed (
        customer_id text NOT NULL,
        customer_name text NOT NULL,
        invoice_number text NOT NULL,
        invoice_date date NOT NULL,
        due_date date,
        amount money NOT NULL,
        country text NOT NULL,
        affiliate boolean NOT NULL,
        government boolean NOT NULL,
        PRIMARY KEY (customer_id, invoice_number)
    )
"""


def _owner_url() -> str:
    """The baseline makes a table: the database owner's role may (the app's may not)."""
    return os.environ.get("DATABASE_OWNER_URL") or os.environ["DATABASE_URL"]


def psql_copy_seconds(path: Path) -> float:
    """The baseline: `psql \\copy` of the file into a typed table with a primary key,
    psql's own start-up included."""
    url = _owner_url()
    quiet = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", url, "-qc", TYPED_TABLE], check=True, env=quiet)
    start = time.perf_counter()
    subprocess.run(
        [
            "psql",
            url,
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            f"\\copy bench_typed from '{path}' with (format csv, header true)",
        ],
        check=True,
    )
    elapsed = time.perf_counter() - start
    subprocess.run(["psql", url, "-qc", "DROP TABLE bench_typed"], check=True)
    return elapsed


def _load(values: tuple[float, float, float] | None = None) -> str:
    """The machine's load average, printed with the figures: they move with it."""
    return ", ".join(f"{v:.2f}" for v in (values or os.getloadavg()))


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database for this benchmark")
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        raise SystemExit("set REDIS_URL: the submission's tasks are queued, as in production")
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    big = DATA / f"ar-{options.rows}.csv"
    if not big.exists():
        write_receivables_csv(big, options.rows, seed=7)
    load_before = os.getloadavg()
    if os.environ.get("DATABASE_OWNER_URL"):  # two roles, as deployed
        manage("migrate", "--database", "owner", "-v0")
        manage("grant_app_role")
    else:
        manage("migrate", "-v0")
    manage("seed_demo")
    startup, _ = manage("help", "submit_borrowing_base")
    # A fresh as-of date each run, on or after the aging's own date (no invoice
    # may be dated after it): a date already submitted is (rightly) refused.
    first = dt.date(2003, 3, 31) + dt.timedelta(days=int(time.time()) % 20_000)
    times, cpus, copies = [], [], []
    for n in range(options.runs):
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
    submit, copy = statistics.median(times), statistics.median(copies)
    print(f"file: {big.name}, {big.stat().st_size / 1e6:.1f} MB, {options.rows:,} invoices")
    print(f"load average (1, 5, 15 min) before and after: {_load(load_before)}; {_load()}")
    print(f"start-up (manage.py help): {startup:.2f} s")
    print(f"psql \\copy into a typed table with its key: {', '.join(f'{t:.2f}' for t in copies)} s")
    print(f"submit_borrowing_base: {', '.join(f'{t:.2f}' for t in times)} s")
    # On a shared machine the command's own CPU moves less than its wall time.
    print(
        f"its CPU (user + system, both cores counted; the server's not included): "
        f"{', '.join(f'{t:.2f}' for t in cpus)} s, median {statistics.median(cpus):.2f} s"
    )
    print(f"ratio of the medians: {submit / copy:.2f}× the psql \\copy (goal ≤ 2.0×)")


if __name__ == "__main__":
    main()
