"""Second approvals and withdrawals racing (§7), as separate processes on real PostgreSQL.

The test holds the facility's row from a connection of its own while it starts two
commands, waits until both wait for a lock, then lets go: they run at the same moment.
Two second approvals book the advance once; an approval racing a withdrawal leaves one
consistent outcome (approved and booked, or withdrawn and nothing booked).
"""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from abl.models import AdvanceRequest, LedgerEntry
from abl.services import loans
from tests.abl.loans.conftest import TODAY, another_connection
from tests.factories import UserFactory
from tests.processes import database_url, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
AMOUNT = Decimal("300000.00")


@pytest.fixture
def awaiting_second(innotrac, cfo, abl_analyst, approved):
    """300,000.00 approved once by an analyst whose limit is 100,000.00."""
    abl_analyst.approval_limit = Decimal("100000.00")
    abl_analyst.save(update_fields=["approval_limit"])
    advance = loans.request_advance(facility=innotrac, actor=cfo, amount=AMOUNT, key="big")
    loans.approve_advance(advance=advance, actor=abl_analyst)
    for username in ("analyst2", "analyst3"):
        UserFactory(username=username, role="analyst", organisation=innotrac.lender)
    return advance


def _race(facility_pk: int, *commands: list[str]) -> list[tuple[int, str, str]]:
    """Run the commands at once: each starts while the facility's row is held, and waits."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "ABL_BUSINESS_DATE": TODAY.isoformat(),
        "DATABASE_URL": database_url(),
    }
    env.pop("REDIS_URL", None)
    with another_connection() as holder:
        holder.execute("SELECT 1 FROM abl_facility WHERE id = %s FOR UPDATE", [facility_pk])
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for command in commands
        ]
        with another_connection() as watcher:
            watcher.autocommit = True

            def waiting() -> bool:
                ended = [p for p in processes if p.poll() is not None]
                assert not ended, [p.communicate() for p in ended]
                row = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
                return row is not None and row[0] >= len(commands)

            wait_for(waiting, "both commands waiting for the facility's lock")
        holder.commit()
    return [(p.wait(120), *p.communicate()) for p in processes]


def test_two_second_approvals_at_once_book_the_advance_once(awaiting_second):
    pk = str(awaiting_second.pk)

    results = _race(
        awaiting_second.facility_id,
        ["decide_advance", "--request", pk, "--approve", "--user", "analyst2"],
        ["decide_advance", "--request", pk, "--approve", "--user", "analyst3"],
    )

    codes = sorted(code for code, _, _ in results)
    refused = [err.strip().splitlines()[-1] for code, _, err in results if code != 0]
    assert codes == [0, 1]
    assert refused == [f"CommandError: Advance request {pk} is already approved."]
    advance = AdvanceRequest.objects.get()
    assert advance.status == "approved"
    assert advance.decided_by.username in {"analyst2", "analyst3"}
    assert list(LedgerEntry.objects.values_list("advance", "amount")) == [(advance.pk, AMOUNT)]


def test_an_approval_racing_a_withdrawal_leaves_one_consistent_outcome(awaiting_second):
    pk = str(awaiting_second.pk)

    results = _race(
        awaiting_second.facility_id,
        ["decide_advance", "--request", pk, "--approve", "--user", "analyst2"],
        ["withdraw_advance", "--request", pk, "--user", "dgamsey"],
    )

    (approve_code, _, approve_err), (withdraw_code, _, withdraw_err) = results
    advance = AdvanceRequest.objects.get()
    booked = LedgerEntry.objects.filter(advance=advance).count()
    if advance.status == "approved":
        assert (approve_code, withdraw_code, booked) == (0, 1, 1)
        assert withdraw_err.strip().splitlines()[-1] == (
            f"CommandError: Advance request {pk} is already approved."
        )
    else:
        assert (advance.status, approve_code, withdraw_code, booked) == ("withdrawn", 1, 0, 0)
        assert approve_err.strip().splitlines()[-1] == (
            f"CommandError: Advance request {pk} is already withdrawn."
        )
