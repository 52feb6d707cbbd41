"""The loan ledger's services read and lock through the ORM, but for the one reading a
benchmark keeps hand-written.

The request's lock (`_locked_request`) is the ORM's `select_for_update(of=...)`: the
hand-written statement saved under 10% of an approval's page. Live availability's one
query (`_LIVE_SQL`) stays: through the ORM the same reading cost an approval far more
(docs/performance.md, "Live availability and the request's lock").
"""

import ast
from pathlib import Path

LOANS = Path(__file__).resolve().parents[3] / "abl" / "services" / "loans.py"
KEPT = {"_LIVE_SQL", "_read_live"}  # the reading, and the function that runs it


def _hand_written_sql(path: Path) -> list[str]:
    """Where the module writes SQL or opens a cursor, outside the definitions it keeps."""
    found = []
    for top in ast.parse(path.read_text()).body:
        names = {t.id for t in getattr(top, "targets", []) if isinstance(t, ast.Name)}
        name = getattr(top, "name", None)
        if names & KEPT or name in KEPT:
            continue
        for node in ast.walk(top):
            if isinstance(node, ast.Attribute) and node.attr in {"cursor", "raw", "extra"}:
                found.append(f"line {node.lineno}: .{node.attr}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = node.value.upper().split()
                if "SELECT" in words and "FROM" in words:
                    found.append(f"line {node.lineno}: SQL text")
    return found


def test_the_loan_services_write_no_sql_but_the_live_availability_reading():
    assert _hand_written_sql(LOANS) == []
