"""Checking the audit trail's hash chains (abl.audit) against their anchors (abl.anchors), and
telling the administrators when it fails.

verify_trail() walks every chain in id order, streaming (a million events
never sit in memory at once), and names each chain's first event that breaks
it: its hash does not match its content under the audit key (it was changed,
or written without the key), it does not carry the hash of the event before it
in its chain (an event was removed or inserted before it, or the one before it
was rewritten), or it sits in another facility's chain. It then checks every
chain against the newest signed anchor: a chain that no longer holds the
anchored last event, or holds another number of events up to it, lost events
(the newest deleted, or the whole trail emptied) or gained some.

The nightly check (check_audit_trail) verifies, and when every chain holds,
anchors the heads it walked; when one does not, it audits the failure and
emails every administrator, and anchors nothing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from abl.anchors import Anchor, ChainHead, read_anchors, write_anchor
from abl.audit import BANK_CHAIN, GENESIS, HASHED_FIELDS, chain_of, event_hash, record
from abl.models import AuditEvent, Role, User

CHUNK = 2000


@dataclass(frozen=True)
class TrailReport:
    """What verify_trail found: the heads of the chains as walked, and every problem."""

    heads: tuple[ChainHead, ...]
    problems: tuple[str, ...] = ()
    anchor: Anchor | None = None
    event_ids: tuple[int, ...] = ()  # the events the first problems name, in their order

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def checked(self) -> int:
        return sum(head.count for head in self.heads)


def chain_name(chain: int) -> str:
    return "the bank-wide chain" if chain == BANK_CHAIN else f"facility {chain}'s chain"


@dataclass
class _Walk:
    """One chain as walked so far; `problem` set at its first broken event."""

    chain: int
    count: int = 0
    last_id: int = 0
    last_hash: str = GENESIS
    problem: str = ""
    event_id: int | None = None
    # For the anchor's check: how many events up to its last id, and that event's hash.
    count_at_anchor: int = 0
    hash_at_anchor: str | None = None


def verify_trail() -> TrailReport:
    """Walk every chain, then check the walk against the newest signed anchor."""
    anchors, unsigned = read_anchors()
    anchor = anchors[-1] if anchors else None
    anchored = {head.chain: head for head in anchor.heads} if anchor else {}
    walks = _walk_chains(anchored)
    problems: list[str] = []
    event_ids: list[int] = []
    for walk in walks.values():
        if walk.problem:
            problems.append(walk.problem)
            event_ids.append(walk.event_id or 0)
    for chain, head in sorted(anchored.items()):
        walk = walks.get(chain, _Walk(chain))
        if not walk.problem and (problem := _against_anchor(walk, head, anchor)):
            problems.append(problem)
            event_ids.append(head.last_id)
    heads = tuple(
        ChainHead(w.chain, w.count, w.last_id, w.last_hash)
        for w in sorted(walks.values(), key=lambda w: w.chain)
        if not w.problem
    )
    return TrailReport(heads, (*problems, *unsigned), anchor, tuple(event_ids))


def _walk_chains(anchored: dict[int, ChainHead]) -> dict[int, _Walk]:
    rows = (
        AuditEvent.objects.order_by("chain", "id")
        .values_list("chain", *HASHED_FIELDS, "hash")
        .iterator(CHUNK)
    )
    walks: dict[int, _Walk] = {}
    for row in rows:
        chain, content, stored = row[0], dict(zip(HASHED_FIELDS, row[1:-1], strict=True)), row[-1]
        walk = walks.setdefault(chain, _Walk(chain))
        if walk.problem:
            continue
        if problem := _event_problem(walk, content, stored):
            walk.problem, walk.event_id = f"{chain_name(chain)}: {problem}", content["id"]
            continue
        walk.count, walk.last_id, walk.last_hash = walk.count + 1, content["id"], stored
        if chain in anchored and walk.last_id <= anchored[chain].last_id:
            walk.count_at_anchor = walk.count
            if walk.last_id == anchored[chain].last_id:
                walk.hash_at_anchor = stored
    return walks


def _event_problem(walk: _Walk, content: dict, stored: str) -> str:
    event_id = content["id"]
    if not stored:
        return f"event {event_id} has no hash: it was written outside abl.audit.record()"
    if event_hash(**content) != stored:
        return (
            f"event {event_id} was changed, or written without the audit key: "
            "its hash does not match its content"
        )
    if chain_of(content["facility_id"]) != walk.chain:
        return f"event {event_id} belongs to {chain_name(chain_of(content['facility_id']))}"
    if content["previous_hash"] != walk.last_hash:
        after = f"event {walk.last_id}" if walk.count else "the start of the chain"
        return (
            f"event {event_id} does not follow {after}: an event was removed or inserted "
            f"before it, or {after} was rewritten with a new hash"
        )
    return ""


def _against_anchor(walk: _Walk, head: ChainHead, anchor: Anchor | None) -> str:
    assert anchor is not None
    name, anchored = chain_name(head.chain), f"the anchor of {anchor.at}"
    if walk.hash_at_anchor is None:
        now = (
            f"it now ends at event {walk.last_id} ({walk.count} events): its newest events "
            "were deleted"
            if walk.count
            else "it now has no events: it was emptied"
        )
        return (
            f"{name}: event {head.last_id} is missing: {anchored} has the chain end there, "
            f"after {head.count} events; {now}"
        )
    if walk.hash_at_anchor != head.last_hash:
        return f"{name}: event {head.last_id} has another hash than in {anchored}: re-sealed"
    if walk.count_at_anchor != head.count:
        return (
            f"{name}: {walk.count_at_anchor} events lead up to event {head.last_id}, "
            f"{head.count} in {anchored}: events were removed or inserted before it"
        )
    return ""


def anchor_trail(report: TrailReport) -> Anchor:
    """Sign and store the heads of an intact trail as walked."""
    if not report.intact:
        raise ValueError("a trail that failed verification is never anchored")
    anchor = Anchor(at=timezone.now().isoformat(timespec="microseconds"), heads=report.heads)
    write_anchor(anchor)
    return anchor


def check_audit_trail() -> TrailReport:
    """The nightly check: verify; intact, anchor the heads; broken, audit it and email the
    administrators."""
    report = verify_trail()
    if report.intact:
        anchor_trail(report)
    else:
        _alert(report)
    return report


@transaction.atomic
def _alert(report: TrailReport) -> None:
    first = report.problems[0]
    record(
        actor=None,
        action="audit.chain_broken",
        object_id=str(report.event_ids[0]) if report.event_ids else "",
        summary=f"The audit trail failed verification: {first}",
        changes={"problems": list(report.problems), "intact_events": report.checked},
    )
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    if recipients:
        listed = "\n".join(f"    {problem}" for problem in report.problems)
        message = (
            f"The nightly check of the audit trail failed:\n\n{listed}\n\n"
            "Someone with direct access to the database (or to the anchor file) may have "
            "changed its history; the application cannot. "
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
