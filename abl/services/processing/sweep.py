"""The sweep, run from beat every minute: files whose worker died, tables no file owns."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from abl import bulk
from abl.models import CollateralFile, Invoice
from abl.services.processing.acceptance import refuse_file
from abl.services.processing.claims import Claim, claim_file, stale_before, stuck

Status = CollateralFile.Status
INTERRUPTED = (
    "Checking this file was interrupted {attempts} times (the worker stopped); "
    "nothing from it was kept. Please upload it again."
)


@dataclass(frozen=True)
class Sweep:
    requeued: list[int]
    refused: list[int]
    tables_dropped: list[str]


def sweep_stuck_files() -> Sweep:
    """Re-queue or refuse files whose worker died, and drop tables no file owns.

    Run from beat every minute; safe to run at any time and twice at once: each
    file is taken over through the same claim a worker uses.
    """
    from abl.tasks import process_collateral_file_task

    requeued, refused = [], []
    found = stuck(
        CollateralFile, queued=Status.QUEUED, working=Status.PROCESSING, queued_since="uploaded_at"
    )
    for file_id, status, attempts in found:
        if status == Status.PROCESSING and attempts >= settings.ABL_FILE_MAX_ATTEMPTS:
            claim = claim_file(file_id)
            if isinstance(claim, Claim):
                message = INTERRUPTED.format(attempts=attempts)
                refuse_file(
                    claim=claim, problems=[{"row": None, "column": None, "message": message}]
                )
                refused.append(file_id)
            continue
        if status == Status.QUEUED:
            CollateralFile.objects.filter(pk=file_id).update(heartbeat_at=timezone.now())
        process_collateral_file_task.delay(file_id)
        requeued.append(file_id)
    return Sweep(requeued, refused, drop_orphan_tables())


def drop_orphan_tables() -> list[str]:
    """Drop invoice partitions (attached or not) of files that are not accepted or live."""
    if not bulk.is_partitioned(Invoice._meta.db_table):
        return []
    prefix = bulk.partition_name(Invoice._meta.db_table, 0)[:-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND c.relname LIKE %s AND n.nspname = %s",
            [prefix.replace("_", r"\_") + "%", bulk.PARTITION_SCHEMA],
        )
        tables = {name: int(name[len(prefix) :]) for (name,) in cursor.fetchall()}
    keep = set(
        CollateralFile.objects.filter(pk__in=tables.values())
        .filter(
            Q(status=Status.ACCEPTED)
            | Q(status=Status.QUEUED)
            | Q(status=Status.PROCESSING, heartbeat_at__gte=stale_before())
        )
        .values_list("pk", flat=True)
    )
    dropped = sorted(name for name, file_id in tables.items() if file_id not in keep)
    for name in dropped:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {bulk.qualified_partition(name)}")
    return dropped
