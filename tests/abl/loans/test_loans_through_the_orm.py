"""The loan ledger's services (every module of abl/services/loans/) read and lock through
the ORM, but for the one reading a benchmark keeps hand-written.

The request's lock (`_locked_request`) is the ORM's `select_for_update(of=...)`. Live
availability's one query (`_LIVE_SQL`) stays hand-written (docs/performance.md, "Live
availability and the request's lock").
"""

import ast
from pathlib import Path

LOANS = Path(__file__).resolve().parents[3] / "abl" / "services" / "loans"
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
    modules = sorted(LOANS.glob("*.py"))
    found = {path.name: _hand_written_sql(path) for path in modules}

    assert {path.name for path in modules} >= {"availability.py", "advances.py", "ledger.py"}
    assert {name: lines for name, lines in found.items() if lines} == {}
