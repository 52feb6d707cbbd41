"""Benchmark: approving advances with 8 requesters at once, on PostgreSQL.

Goal (issue 12): an approval's p95 ≤ 50 ms under 8 concurrent requesters.
Each of 8 processes (each with its own connection; threads would measure
Python's GIL) asks for an advance and an analyst approves it, over and over;
only the approval (`loans.approve_advance`: the facility's lock, live
availability, the ledger entry, the audit event, and what is queued on commit)
is timed. Two layouts: all 8 on one facility (they queue on its row lock) and
one facility each (they meet only on the audit chain's lock). With REDIS_URL
the reporting cadence's task is sent to Redis (a queue of the bench's own,
emptied at the end), as in production; without it, it runs in the approving
process. Prints its figures; asserts nothing. Migrates the database it is
given and adds its own facilities.

The lone requester (the same-run baseline) makes 100 approvals, the others 25
each; its CPU per approval is this process's and its PostgreSQL backend's,
read around each approval but outside its timed part.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench [REDIS_URL=redis://127.0.0.1:6379/1] \
        .venv/bin/python bench/bench_advances.py [--statements]

`--statements` prints, for the lone requester, each statement of an approval
with its median time (the connection's execute calls; the commit is not one).

`--refresh-cost` measures instead what the dashboard's refresh costs an approval:
every audited action on a facility queues a refresh of its dashboard line
(reporting/apps.py), with REDIS_URL an outbox row written in the action's
transaction, under the facility's and the chain's locks, and sent once it commits.
The lone requester and 8 requesters on one facility, with the refresh and with it
switched off, interleaved over rounds; medians and p95s side by side.
"""

import contextlib
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "1"
os.environ["ABL_BUSINESS_DATE"] = "2003-04-07"
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = "bench-advances"
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="abl-bench-advances-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from abl.models import Facility, User  # noqa: E402
from abl.services import loans  # noqa: E402
from abl.services.terms import load_facility_terms  # noqa: E402
from tests.abl.loans.conftest import approve_certificate  # noqa: E402

THREADS = 8  # requesters, each a process
PER_THREAD = 25
ALONE = 100  # approvals of the lone requester: its CPU is counted in PostgreSQL's 10 ms ticks
TERMS = (ROOT / "examples" / "innotrac" / "terms.yaml").read_text()


def _facility(run: str, n: int) -> tuple[Facility, User, User]:
    text = TERMS.replace("id: innotrac-2003", f"id: bench-{run}-{n}").replace(
        "borrower: Innotrac Corporation", f"borrower: Bench Borrower {run}-{n}"
    )
    version, _ = load_facility_terms(text=text, actor=None, reason="bench")
    facility = version.facility
    borrower = User.objects.create(
        username=f"cfo-{run}-{n}", role="borrower", organisation=facility.borrower
    )
    analyst = User.objects.create(
        username=f"analyst-{run}-{n}", role="analyst", organisation=facility.lender
    )
    approve_certificate(facility, borrower, analyst)
    return facility, borrower, analyst


class Statements:
    """Each statement's milliseconds inside the connection's execute calls, by its text."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            text = re.sub(r'"s\d+_x\d+"', "…", " ".join(sql.split()))[:110]
            self.times.setdefault(text, []).append((time.perf_counter() - began) * 1000)


def _approver(
    setup: tuple[Facility, User, User],
    start: "multiprocessing.synchronize.Barrier",
    out,
    statements: bool,
    approvals: int,
) -> None:
    """One requester, in a process of its own (a connection of its own after the fork)."""
    facility, borrower, analyst = setup
    connections.close_all()
    start.wait()
    started = time.perf_counter()
    times, timer, cpu = [], Statements(), [0.0, 0.0]
    backend = _backend_pid()
    for _ in range(approvals):
        advance = loans.request_advance(
            facility=facility, actor=borrower, amount=Decimal("1.00"), key=uuid.uuid4().hex
        )
        with connection.execute_wrapper(timer) if statements else contextlib.nullcontext():
            theirs = _server_cpu(backend)  # outside the timed part, as is the pid's query
            began, ours = time.perf_counter(), time.process_time()
            loans.approve_advance(advance=advance, actor=analyst)
            times.append((time.perf_counter() - began) * 1000)
            cpu[0] += time.process_time() - ours
            cpu[1] += _server_cpu(backend) - theirs
    connections.close_all()
    out.put((times, timer.times, cpu, time.perf_counter() - started))


def _backend_pid() -> int:
    """The process id of this connection's PostgreSQL backend."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _server_cpu(pid: int) -> float:
    """CPU seconds of PostgreSQL's backend `pid` so far (same machine, Linux), or 0."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _approvals(
    setups: list[tuple[Facility, User, User]], requesters: int = THREADS, statements: bool = False
) -> tuple[list[float], float]:
    """Each approval's milliseconds, and the seconds the slowest requester took in all."""
    approvals = ALONE if requesters == 1 else PER_THREAD
    context = multiprocessing.get_context("fork")
    start, out = context.Barrier(requesters), context.Queue()
    connections.close_all()  # no connection is shared across the fork
    workers = [
        context.Process(
            target=_approver,
            args=(setups[n % len(setups)], start, out, statements, approvals),
        )
        for n in range(requesters)
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    if statements:
        print(f"each statement of an approval: per approval, median ms ({approvals} approvals)")
        for text, times in results[0][1].items():
            print(f"  {len(times) / approvals:.0f} {statistics.median(times):6.2f}  {text}")
    if requesters == 1:
        ours, theirs = (seconds * 1000 / approvals for seconds in results[0][2])
        print(f"CPU per approval: {ours:.1f} ms in Python, {theirs:.1f} ms in PostgreSQL")
    return [t for times, *_ in results for t in times], max(result[3] for result in results)


def _report(name: str, approvals: tuple[list[float], float]) -> None:
    times, seconds = approvals
    p95 = statistics.quantiles(times, n=20)[-1]
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(
        f"{name} (load average {load}): {len(times)} approvals, "
        f"median {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms (goal ≤ 50 ms) {'met' if p95 <= 50 else 'NOT met'}; "
        f"{len(times) / seconds:.0f} asked and approved a second"
    )


@contextlib.contextmanager
def _without_refresh():
    """The dashboard's refresh after each audited action switched off (for the comparison)."""
    from django.db.models.signals import post_save

    from abl.models import AuditEvent
    from reporting.apps import refresh_position_after_audited_action

    uid = "reporting-position-after-audit"
    assert post_save.disconnect(sender=AuditEvent, dispatch_uid=uid)
    try:
        yield
    finally:
        post_save.connect(
            refresh_position_after_audited_action, sender=AuditEvent, dispatch_uid=uid
        )


def _refresh_cost(one: tuple[Facility, User, User], rounds: int = 3) -> None:
    """Approvals with the dashboard's refresh queued and without it, interleaved."""
    if not settings.REDIS_URL:
        print("(without REDIS_URL no outbox row is written: the refresh runs in-process)")
    layouts = {"1 requester": 1, "8 requesters, one facility": THREADS}
    samples = {(name, on): [] for name in layouts for on in (True, False)}
    for _ in range(rounds):
        for name, requesters in layouts.items():
            samples[(name, True)] += _approvals([one], requesters=requesters)[0]
            with _without_refresh():
                samples[(name, False)] += _approvals([one], requesters=requesters)[0]
    print(f"the dashboard's refresh, {rounds} rounds interleaved (load {os.getloadavg()[0]:.1f}):")
    for name in layouts:
        with_it, without = samples[(name, True)], samples[(name, False)]
        median, bare = statistics.median(with_it), statistics.median(without)
        p95s = [statistics.quantiles(t, n=20)[-1] for t in (with_it, without)]
        print(
            f"  {name}: median {median:.1f} ms with it, {bare:.1f} ms without "
            f"({(median - bare) / median:+.0%} of an approval); "
            f"p95 {p95s[0]:.1f} against {p95s[1]:.1f} ms"
        )


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:8]
    one = _facility(run, 0)
    if "--refresh-cost" in sys.argv:
        _refresh_cost(one)
        return
    alone = _approvals([one], requesters=1, statements="--statements" in sys.argv)
    _report("1 requester (the same-run baseline)", alone)
    _report("8 requesters, one facility", _approvals([one]))
    each = [_facility(run, n) for n in range(1, THREADS + 1)]
    _report("8 requesters, a facility each", _approvals(each))
    if settings.REDIS_URL:
        from config.celery import app

        app.control.purge()


if __name__ == "__main__":
    main()
