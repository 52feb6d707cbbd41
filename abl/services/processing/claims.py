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
from django.db import transaction
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


def claim_file(file_id: int) -> Claim | Outcome:
    """Take a queued file, or one whose worker's claim went stale; else say why not."""
    stale = Q(status=Status.PROCESSING) & (
        Q(heartbeat_at__lt=stale_before()) | Q(heartbeat_at__isnull=True)
    )
    with transaction.atomic():
        current = (
            CollateralFile.objects.select_for_update()
            .filter(pk=file_id)
            .filter(Q(status=Status.QUEUED) | stale)
            .values_list("attempts", flat=True)
            .first()
        )
        if current is None:
            live = CollateralFile.objects.filter(pk=file_id, status=Status.PROCESSING).exists()
            return Outcome.BUSY if live else Outcome.NOTHING
        CollateralFile.objects.filter(pk=file_id).update(
            status=Status.PROCESSING,
            attempts=F("attempts") + 1,
            heartbeat_at=timezone.now(),
            progress=5,
            stage="Reading and checking every row",
        )
    return Claim(file_id, current + 1)


def lock_claimed(claim: Claim) -> CollateralFile | None:
    """The file, locked, if this run still holds its claim: its facility's row first
    (abl/locks.py), as every service that records about the facility locks it."""
    facility_id = claim.mine().values_list("certificate__facility_id", flat=True).first()
    if facility_id is None:
        return None
    lock_facility(facility_id)
    return claim.mine().select_related("certificate__facility").select_for_update().first()
