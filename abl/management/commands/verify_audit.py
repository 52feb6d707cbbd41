"""python manage.py verify_audit [--anchor]

Walks every audit chain (one per facility, one bank-wide) in id order and
checks it against the newest signed anchor of the chains' heads
(AUDIT_ANCHOR_PATH, docs/security.md). Intact: prints the count and the
anchor checked against, and exits 0. Otherwise names, on stderr, each chain's
first event that was changed, inserted or forged, each anchored event that is
missing, and each anchor line whose signature does not hold, and exits 1.

With --anchor, an intact trail's heads are also signed and appended to the
anchor store now (the nightly check does so every night).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abl.anchors import anchor_store
from abl.services.audit import anchor_trail, verify_trail


class Command(BaseCommand):
    help = "Verify the audit chains against their anchor; exit 1 naming every problem."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor", action="store_true", help="when intact, anchor the chains' heads now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_trail()
        if not report.intact:
            raise CommandError("\n".join(report.problems))
        anchored = (
            f"checked against the anchor of {report.anchor.at}"
            if report.anchor
            else f"no anchor yet in {anchor_store().describe()}"
        )
        self.stdout.write(
            f"{report.checked:,} audit events in {len(report.heads)} chains, every chain "
            f"intact; {anchored}"
        )
        if options["anchor"]:
            anchor = anchor_trail(report)
            self.stdout.write(f"Anchored the heads of {len(anchor.heads)} chains at {anchor.at}")
