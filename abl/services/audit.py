"""Checking the audit trail's hash chain (abl.audit), and telling the administrators when it breaks.

verify_chain() walks every event in id order, streaming (a million events
never sit in memory at once), and stops at the first event that breaks the
chain: its own hash no longer matches its content (it was changed), or it does
not carry the hash of the event before it (an event was removed or inserted
before it, or the one before it was rewritten with a new hash).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from abl.audit import GENESIS, HASHED_FIELDS, event_hash, record
from abl.models import AuditEvent, Role, User

CHUNK = 2000


@dataclass(frozen=True)
class ChainReport:
    """What verify_chain found: `checked` events were intact, then `problem` (if any) at `event_id`."""

    checked: int
    last_id: int | None
    last_hash: str
    problem: str = ""
    event_id: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problem


def verify_chain() -> ChainReport:
    """Walk the chain in id order; the first broken event, or the count when it is intact."""
    rows = AuditEvent.objects.order_by("id").values_list(*HASHED_FIELDS, "hash").iterator(CHUNK)
    checked, last_id, last_hash = 0, None, GENESIS
    for row in rows:
        content = dict(zip(HASHED_FIELDS, row[:-1], strict=True))
        event_id, stored = content["id"], row[-1]
        problem = ""
        if not stored:
            problem = f"event {event_id} has no hash: it was written outside abl.audit.record()"
        elif event_hash(**content) != stored:
            problem = f"event {event_id} was changed: its hash does not match its content"
        elif content["previous_hash"] != last_hash:
            after = f"event {last_id}" if last_id is not None else "the start of the chain"
            problem = (
                f"event {event_id} does not follow {after}: an event was removed or inserted "
                f"before it, or {after} was rewritten with a new hash"
            )
        if problem:
            return ChainReport(checked, last_id, last_hash, problem, event_id)
        checked, last_id, last_hash = checked + 1, event_id, stored
    return ChainReport(checked, last_id, last_hash)


def check_audit_chain() -> ChainReport:
    """The nightly check: verify; when broken, audit the failure and email every administrator."""
    report = verify_chain()
    if not report.intact:
        _alert(report)
    return report


@transaction.atomic
def _alert(report: ChainReport) -> None:
    record(
        actor=None,
        action="audit.chain_broken",
        object_id=str(report.event_id),
        summary=f"The audit trail failed verification: {report.problem}",
        changes={"problem": report.problem, "intact_events": report.checked},
    )
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    if recipients:
        message = (
            f"The nightly check of the audit trail failed:\n\n    {report.problem}\n\n"
            f"The {report.checked:,} events before it are intact. Someone with direct access "
            "to the database may have changed its history; the application cannot. "
            "Run `python manage.py verify_audit` to see it again, and compare the "
            "database with its backups."
        )
        transaction.on_commit(
            lambda: send_mail(
                "ABL Desk: the audit trail failed verification",
                message,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            )
        )
