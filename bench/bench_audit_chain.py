"""Benchmark: audited writes on different facilities, against a plain insert, on PostgreSQL.

Goal (issue 22, finding 6): with 16 writers on 16 facilities, appending audit
events (abl.audit.record: the facility's chain lock, its head, the keyed hash,
the insert) reaches at least 0.7x the rate of a plain insert of the same row
shape (an AuditEvent saved with no lock, no head and no hash) in the same run.
Each writer is a process with its own connection (threads would measure
Python's GIL) and commits one event per transaction, as a service does; each
phase runs for SECONDS seconds. Prints both rates and the ratio; asserts
nothing. Migrates the database it is given and adds its own facilities.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench \
        .venv/bin/python bench/bench_audit_chain.py [--writers 16] [--seconds 5]
"""

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "1"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from abl.audit import record  # noqa: E402
from abl.models import AuditEvent, Facility, Organisation  # noqa: E402


def _facilities(count: int) -> list[int]:
    run = uuid.uuid4().hex[:8]
    bank = Organisation.objects.create(name=f"Bench Bank {run}", kind="bank")
    ids = []
    for n in range(count):
        borrower = Organisation.objects.create(name=f"Bench Borrower {run}-{n}", kind="borrower")
        facility = Facility.objects.create(
            slug=f"bench-audit-{run}-{n}", name=f"Bench {n}", lender=bank, borrower=borrower
        )
        ids.append(facility.pk)
    return ids


def _audited(facility: Facility, n: int) -> None:
    with transaction.atomic():
        record(
            actor=None,
            action="bench.appended",
            obj=facility,
            facility=facility,
            summary=f"Bench event {n}",
            changes={"n": n, "amount": "1234.56"},
        )


def _plain(facility: Facility, n: int) -> None:
    with transaction.atomic():
        AuditEvent.objects.create(
            created_at=timezone.now(),
            actor_name="system",
            action="bench.inserted",
            object_type="abl.Facility",
            object_id=str(facility.pk),
            facility=facility,
            chain=facility.pk,
            summary=f"Bench event {n}",
            changes={"n": n, "amount": "1234.56"},
            previous_hash="0" * 64,
            hash="0" * 64,
        )


def _writer(kind: str, facility_id: int, seconds: float, start, counts) -> None:
    connections.close_all()  # the parent's connection is not this process's
    facility = Facility.objects.get(pk=facility_id)
    write = _audited if kind == "audited" else _plain
    write(facility, -1)  # connect, and warm the statement path, before the clock starts
    start.wait()
    deadline, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        write(facility, n)
        n += 1
    counts.put(n)
    connections.close_all()


def _rate(kind: str, facility_ids: list[int], seconds: float) -> float:
    start = multiprocessing.Barrier(len(facility_ids))
    counts: multiprocessing.Queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_writer, args=(kind, pk, seconds, start, counts))
        for pk in facility_ids
    ]
    connections.close_all()
    for process in processes:
        process.start()
    total = sum(counts.get() for _ in processes)
    for process in processes:
        process.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("needs PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    facility_ids = _facilities(args.writers)
    plain = _rate("plain", facility_ids, args.seconds)
    audited = _rate("audited", facility_ids, args.seconds)
    one = _rate("audited", [facility_ids[0]] * args.writers, args.seconds)
    print(f"{args.writers} writers, {args.seconds:g} s a phase")
    print(f"plain insert, a facility each:    {plain:8.0f} rows/s")
    print(f"audited append, a facility each:  {audited:8.0f} events/s  ({audited / plain:.2f}x)")
    print(f"audited append, all on one:       {one:8.0f} events/s  ({one / plain:.2f}x)")


if __name__ == "__main__":
    main()
