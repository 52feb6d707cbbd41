"""python manage.py relay_outbox [--once]

Sends the tasks waiting in the outbox (abl/outbox.py) to Celery's broker, in id order,
and deletes the sent ones older than ABL_OUTBOX_RETENTION_DAYS. Runs until stopped,
looking again every ABL_OUTBOX_POLL_SECONDS; `--once` sends what is due and exits.
Safe to run in several processes at once and to kill at any moment.
"""

import logging
import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from abl import outbox

log = logging.getLogger(__name__)
PRUNE_EVERY = 3600.0  # seconds


class Command(BaseCommand):
    help = "Send the outbox's tasks to the broker (until stopped, or --once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="send what is due, then exit")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        if once:
            sent = outbox.relay()
            pruned = outbox.prune()
            self.stdout.write(f"{sent} sent, {pruned} pruned")
            return
        stopping: list[int] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        pruned_at = 0.0
        while not stopping:
            try:
                outbox.relay()
                if time.monotonic() - pruned_at >= PRUNE_EVERY:
                    outbox.prune()
                    pruned_at = time.monotonic()
            except Exception:
                # The database is down or restarting: try again at the next poll.
                log.exception("The outbox could not be relayed; trying again")
                close_old_connections()
            time.sleep(settings.ABL_OUTBOX_POLL_SECONDS)
