"""python manage.py verify_audit

Walks the audit trail's hash chain in id order. Intact: prints the count and
the last event's hash (worth keeping outside the database, see
docs/security-audit.md) and exits 0. Broken: names the first event that was
changed, inserted or removed, on stderr, and exits 1.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from abl.services.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 naming the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.intact:
            raise CommandError(f"{report.problem} ({report.checked:,} events before it are intact)")
        if report.last_id is None:
            self.stdout.write("0 audit events: nothing to verify")
            return
        self.stdout.write(
            f"{report.checked:,} audit events, chain intact; "
            f"the last is event {report.last_id}, hash {report.last_hash}"
        )
