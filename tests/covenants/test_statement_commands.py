"""`submit_statement` and `accept_statement` (§10): the statement pages' actions as commands,
through the same services, with the same refusals as one line on stderr."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from covenants.models import StatementVersion
from tests.covenants.conftest import HEALTHY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def financials_file(tmp_path):
    path = tmp_path / "financials.json"
    path.write_text(json.dumps(HEALTHY))
    return path


def _call(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def _submit(cfo, financials_file, *extra: str, period_end: str = "2003-03-31") -> str:
    return _call(
        "submit_statement",
        "--facility=innotrac-2003",
        f"--period-end={period_end}",
        f"--financials={financials_file}",
        f"--user={cfo.username}",
        *extra,
    )


def test_the_borrower_submits_and_the_analyst_accepts(cfo, abl_analyst, financials_file):
    printed = _submit(cfo, financials_file)

    version = StatementVersion.objects.get()
    assert printed == f"{version.pk}\n"
    assert version.statement.period_end == dt.date(2003, 3, 31)
    assert version.statement.kind == "actual"
    assert version.certified_by == cfo
    assert str(version.ebitda) == HEALTHY["ebitda"]

    accepted = _call("accept_statement", f"--statement={version.pk}", f"--user={abl_analyst}")

    version.refresh_from_db()
    assert version.accepted_by == abl_analyst
    assert accepted == f"Statement {version.pk} (2003-03-31 v1) accepted\n"


def test_a_projection_and_a_restatement_with_its_reason(cfo, financials_file):
    _submit(cfo, financials_file, "--projection", period_end="2003-06-30")
    _submit(cfo, financials_file)
    _submit(cfo, financials_file, "--reason=Audit adjustments")

    kinds = sorted(
        StatementVersion.objects.values_list(
            "statement__kind", "statement__period_end", "version", "reason"
        )
    )
    assert kinds == [
        ("actual", dt.date(2003, 3, 31), 1, ""),
        ("actual", dt.date(2003, 3, 31), 2, "Audit adjustments"),
        ("projection", dt.date(2003, 6, 30), 1, ""),
    ]


def test_refusals_exit_with_the_services_reason_and_change_nothing(
    cfo, abl_analyst, financials_file
):
    _submit(cfo, financials_file)
    with pytest.raises(CommandError, match=r"submitted before \(v1\): give the reason"):
        _submit(cfo, financials_file)
    assert StatementVersion.objects.count() == 1

    version = StatementVersion.objects.get()
    with pytest.raises(CommandError):
        _call("accept_statement", f"--statement={version.pk}", f"--user={cfo.username}")
    with pytest.raises(CommandError, match="--statement: no statement 999999"):
        _call("accept_statement", "--statement=999999", f"--user={abl_analyst.username}")
    with pytest.raises(CommandError, match="--statement: not an id"):
        _call("accept_statement", "--statement=one", f"--user={abl_analyst.username}")
    version.refresh_from_db()
    assert version.accepted_by is None


def test_another_borrower_cannot_submit_for_the_facility(innotrac, financials_file):
    stranger = UserFactory(role="borrower")

    with pytest.raises(CommandError, match="--facility: no facility 'innotrac-2003'"):
        _submit(stranger, financials_file)
    assert not StatementVersion.objects.exists()


def test_bad_financials_name_the_argument_and_the_field(cfo, tmp_path):
    path = tmp_path / "financials.json"
    path.write_text(json.dumps({**HEALTHY, "ebitda": "lots"}))

    with pytest.raises(CommandError, match=r"--financials: .*ebitda: not an amount: 'lots'"):
        _submit(cfo, path)
    assert not StatementVersion.objects.exists()
