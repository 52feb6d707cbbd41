"""Anchors: the audit chains' heads, signed and kept where the database's roles cannot write.

A hash chain shows that no event inside it was changed, but not that its
newest events are all there: delete the last events (or every event) and what
is left is still a valid chain. So the nightly check (abl.services.audit)
appends an anchor to a store outside the database: every chain's head (its
chain, count, last id and last hash) and the time, signed with the audit key
(HMAC-SHA256, abl.audit.sign). verify_audit then checks each chain against the
newest anchor whose signature holds; a line whose signature does not hold is
reported and never trusted.

One store today: a file (AUDIT_ANCHOR_PATH) of JSON lines, appended to and
never rewritten. Another (an object store with retention, a second database
the application's role cannot write) would be another AnchorStore.
"""

import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings

from abl.audit import canonical_text, sign


@dataclass(frozen=True)
class ChainHead:
    """A chain's head: `count` events, the last `last_id` with hash `last_hash`."""

    chain: int
    count: int
    last_id: int
    last_hash: str


@dataclass(frozen=True)
class Anchor:
    at: str  # ISO 8601, when the heads were read
    heads: tuple[ChainHead, ...]


class AnchorStore(Protocol):
    def append(self, line: str) -> None: ...

    def lines(self) -> list[str]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class FileAnchorStore:
    """A JSON-lines file, opened for appending only; each line written and synced whole."""

    path: Path

    def append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="ascii") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())

    def lines(self) -> list[str]:
        if not self.path.exists():
            return []
        return self.path.read_text(encoding="ascii", errors="replace").splitlines()

    def describe(self) -> str:
        return str(self.path)


def anchor_store() -> AnchorStore:
    return FileAnchorStore(Path(settings.AUDIT_ANCHOR_PATH))


def write_anchor(anchor: Anchor, *, store: AnchorStore | None = None) -> str:
    """Sign `anchor` and append it to the store; the line written."""
    content = _content(anchor)
    line = canonical_text(**content, signature=sign(canonical_text(**content)))
    (store or anchor_store()).append(line)
    return line


def read_anchors(*, store: AnchorStore | None = None) -> tuple[list[Anchor], list[str]]:
    """The anchors whose signature holds, oldest first, and a problem for each line that does not."""
    store = store or anchor_store()
    anchors, problems = [], []
    for number, line in enumerate(store.lines(), start=1):
        if not line.strip():
            continue
        anchor = _parse(line)
        if anchor is None:
            problems.append(
                f"anchor line {number} of {store.describe()} is not signed with the audit key: "
                "it was changed or written by someone else, and is not trusted"
            )
        else:
            anchors.append(anchor)
    return anchors, problems


def _content(anchor: Anchor) -> dict:
    return {
        "at": anchor.at,
        "chains": [
            {"chain": h.chain, "count": h.count, "last_id": h.last_id, "last_hash": h.last_hash}
            for h in sorted(anchor.heads, key=lambda head: head.chain)
        ],
    }


def _parse(line: str) -> Anchor | None:
    try:
        data = json.loads(line)
        signature = data.pop("signature")
        anchor = Anchor(
            at=str(data["at"]),
            heads=tuple(
                ChainHead(
                    chain=int(h["chain"]),
                    count=int(h["count"]),
                    last_id=int(h["last_id"]),
                    last_hash=str(h["last_hash"]),
                )
                for h in data["chains"]
            ),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    expected = sign(canonical_text(**_content(anchor)))
    if not isinstance(signature, str) or not hmac.compare_digest(signature, expected):
        return None
    if data != _content(anchor):
        return None  # fields the signature does not cover
    return anchor
