"""A worker's claim on a collateral file.

A worker claims the file (a compare-and-set on its status). The claim carries a
heartbeat renewed at each step and an attempt number. A claim whose heartbeat
is older than ``ABL_FILE_CLAIM_TIMEOUT`` belongs to a worker that died: the
task, redelivered, may take it again, and the periodic sweep
(:mod:`abl.services.processing.sweep`) re-queues it or, after
``ABL_FILE_MAX_ATTEMPTS``, refuses it with a message. Every write after the
claim checks the attempt number, so a worker that lost its claim changes
nothing.
"""

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from abl.locks import lock_facility
from abl.models import Certificate, CollateralFile

Status = CollateralFile.Status
PENDING = (Status.QUEUED, Status.PROCESSING)
# A newer file in one of these states takes the place of an older one.
SUPERSEDING = (Status.QUEUED, Status.PROCESSING, Status.ACCEPTED)


class Outcome(enum.Enum):
    DONE = "done"  # accepted, refused or replaced by this run
    BUSY = "busy"  # another worker holds a live claim: try again later
    NOTHING = "nothing"  # already finished, or gone


def pending_files(certificate: Certificate) -> int:
    return certificate.files.filter(status__in=PENDING).count()


@dataclass(frozen=True)
class Claim:
    """This run's hold on a file: writes after the claim check that it still holds."""

    file_id: int
    attempt: int

    def mine(self) -> Any:
        return CollateralFile.objects.filter(
            pk=self.file_id, status=Status.PROCESSING, attempts=self.attempt
        )

    def beat(self, progress: int, stage: str) -> bool:
        """Renew the claim with the progress shown; False when it was lost."""
        return bool(self.mine().update(progress=progress, stage=stage, heartbeat_at=timezone.now()))


class ClaimLost(Exception):
    """Another run took the file over; this one stops and changes nothing more."""


def stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.ABL_FILE_CLAIM_TIMEOUT)


def take_claim(
    model: type[models.Model], pk: int, *, queued: str, working: str, **start: Any
) -> int | Outcome:
    """Take a queued row of `model` (a file, an export), or one whose worker's claim went
    stale: this run's attempt number, the row set `working` with `start`'s fields; else why
    not. The one compare-and-set every worker's claim goes through."""
    stale = Q(status=working) & (Q(heartbeat_at__lt=stale_before()) | Q(heartbeat_at__isnull=True))
    rows = model._default_manager
    with transaction.atomic():
        current = (
            rows.select_for_update()
            .filter(pk=pk)
            .filter(Q(status=queued) | stale)
            .values_list("attempts", flat=True)
            .first()
        )
        if current is None:
            live = rows.filter(pk=pk, status=working).exists()
            return Outcome.BUSY if live else Outcome.NOTHING
        rows.filter(pk=pk).update(
            status=working, attempts=F("attempts") + 1, heartbeat_at=timezone.now(), **start
        )
    return int(current) + 1


def stuck(
    model: type[models.Model], *, queued: str, working: str, queued_since: str
) -> list[tuple[int, str, int]]:
    """(pk, status, attempts) of the rows whose worker died (claim stale) or whose task was lost
    (queued before the claim timeout and not queued again since): what a sweep takes over.
    A queued row's heartbeat is the last time a sweep queued it again."""
    stale = stale_before()
    return list(
        model._default_manager.filter(
            Q(status=working, heartbeat_at__lt=stale)
            | (
                Q(status=queued, **{f"{queued_since}__lt": stale})
                & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale))
            )
        ).values_list("pk", "status", "attempts")
    )


def claim_file(file_id: int) -> Claim | Outcome:
    """Take a queued file, or one whose worker's claim went stale; else say why not."""
    attempt = take_claim(
        CollateralFile,
        file_id,
        queued=Status.QUEUED,
        working=Status.PROCESSING,
        progress=5,
        stage="Reading and checking every row",
    )
    return attempt if isinstance(attempt, Outcome) else Claim(file_id, attempt)


def lock_claimed(claim: Claim) -> CollateralFile | None:
    """The file, locked, if this run still holds its claim: its facility's row first
    (abl/locks.py), as every service that records about the facility locks it."""
    facility_id = claim.mine().values_list("certificate__facility_id", flat=True).first()
    if facility_id is None:
        return None
    lock_facility(facility_id)
    return claim.mine().select_related("certificate__facility").select_for_update().first()
