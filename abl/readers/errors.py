"""Problems found in a collateral file, by row and column.

A problem is stored as JSON (PostgreSQL JSONB refuses "\\u0000"), so its text
never holds a control character: `printable` writes them visibly, and `quote`
also shortens a cell's text before a message quotes it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

CONTROL = r"[\x00-\x1f\x7f]"  # U+0000–U+001F and DEL: refused in every cell and header
QUOTE_LIMIT = 60
_CONTROL = re.compile(CONTROL)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def printable(text: str) -> str:
    """`text` with each control character written out as an escape, e.g. NUL as `\\x00`."""
    return _CONTROL.sub(lambda m: _NAMED.get(m[0], f"\\x{ord(m[0]):02x}"), text)


def quote(text: str) -> str:
    """A cell's text as a message quotes it: in quotes, at most 60 characters, controls visible."""
    short = text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"
    return f"'{printable(short)}'"


@dataclass(frozen=True)
class Problem:
    row: int | None  # as a person counts in a spreadsheet: the header is row 1
    column: str | None
    message: str

    def __post_init__(self) -> None:
        # The last guard before storage: whatever a message was built from,
        # it leaves here without control characters.
        object.__setattr__(self, "message", printable(self.message))
        if self.column is not None:
            object.__setattr__(self, "column", printable(self.column))

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row else "",
                f"column '{self.column}'" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


def shown_of(shown: int, more: int) -> str:
    """How much of a capped list of problems is shown, e.g. "The first 200 of 1,234 problems:"."""
    return f"The first {shown:,} of {shown + more:,} problems:"


class CollateralFileError(Exception):
    """The file is refused whole; `problems` lists what was found (up to the cap), `more`
    counts the rest."""

    def __init__(self, problems: Iterable[Problem], *, more: int = 0) -> None:
        self.problems = tuple(problems)
        self.more = more
        lines = [str(p) for p in self.problems]
        if more:
            lines.insert(0, shown_of(len(self.problems), more))
        super().__init__("\n".join(lines))
