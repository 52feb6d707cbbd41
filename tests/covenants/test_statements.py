"""Financial statements: submitted, tested, restated as versions, due 30 days after month end."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.models import AuditEvent
from covenants.models import BreachCase, CovenantTest, FinancialStatement, StatementVersion
from covenants.services import statements
from covenants.services.errors import CovenantRefused
from covenants.services.testing import results_of
from tests.covenants.conftest import figures

pytestmark = pytest.mark.django_db


def test_a_submitted_statement_is_tested_and_due_thirty_days_after_month_end(submit):
    version = submit()

    statement = version.statement
    assert statement.due_on == dt.date(2003, 4, 30)
    assert (version.version, version.late, statement.current_id) == (1, False, version.pk)
    results = {r.covenant: r for r in results_of(version.latest_test)}
    assert results["tangible_net_worth"].actual == Decimal("37500000.00")
    assert results["tangible_net_worth"].required == Decimal("32500000.00")
    assert results["fixed_charge_coverage"].actual == Decimal("2.5")
    assert all(r.passed for r in results.values())
    assert BreachCase.objects.count() == 0
    assert AuditEvent.objects.filter(action="covenants.statement_submitted").count() == 1


def test_a_statement_submitted_after_its_due_date_is_late(submit, settings):
    settings.ABL_BUSINESS_DATE = "2003-05-01"

    version = submit()

    assert version.late is True


def test_restating_keeps_the_old_version_and_needs_a_reason(submit):
    first = submit()

    with pytest.raises(CovenantRefused, match="give the reason for restating it"):
        submit(total_equity="41000000.00")
    second = submit(total_equity="41000000.00", reason="Auditors' adjustments")

    first.refresh_from_db()
    assert (first.version, first.total_equity) == (1, Decimal("40000000.00"))
    assert (second.version, second.total_equity) == (2, Decimal("41000000.00"))
    assert first.statement.versions.count() == 2
    assert FinancialStatement.objects.get().current_id == second.pk
    assert CovenantTest.objects.count() == 2
    assert AuditEvent.objects.filter(action="covenants.statement_restated").count() == 1


@pytest.mark.parametrize(
    ("kind", "period_end", "message"),
    [
        ("actual", dt.date(2003, 3, 30), "2003-03-30 is not a month end"),
        ("actual", dt.date(2003, 4, 30), "after today's business date 2003-04-20"),
        ("projection", dt.date(2003, 3, 31), "projections are for future dates"),
    ],
)
def test_a_statement_for_the_wrong_date_is_refused_and_nothing_saved(
    submit, kind, period_end, message
):
    with pytest.raises(CovenantRefused, match=message):
        submit(period_end=period_end, kind=kind)

    assert StatementVersion.objects.count() == 0
    assert FinancialStatement.objects.count() == 0


def test_only_the_borrowers_own_users_submit(innotrac, abl_analyst):
    with pytest.raises(CovenantRefused, match="Only the borrower's own users"):
        statements.submit_statement(
            facility=innotrac,
            kind="actual",
            period_end=dt.date(2003, 3, 31),
            financials=figures(),
            user=abl_analyst,
            officer_title="Analyst",
        )

    assert StatementVersion.objects.count() == 0


def test_the_analyst_accepts_a_statement_once_and_not_their_own(submit, abl_analyst, cfo):
    version = submit()

    statements.accept_statement(version=version, user=abl_analyst)
    with pytest.raises(CovenantRefused, match="already accepted"):
        statements.accept_statement(version=version, user=abl_analyst)
    with pytest.raises(CovenantRefused, match="Only an ABL analyst"):
        statements.accept_statement(version=version, user=cfo)

    version.refresh_from_db()
    assert version.accepted_by == abl_analyst
    accepted = AuditEvent.objects.get(action="covenants.statement_accepted")
    assert accepted.changes == {"certificate_sha256": version.certificate.sha256}


def test_submitting_fulfils_the_due_calendars_item_for_the_period(submit, cfo):
    from reporting.models import DueItem

    version = submit()
    submit(reason="Restated", total_equity="40100000.00")

    item = DueItem.objects.get(kind="financials", period_end=dt.date(2003, 3, 31))
    assert (item.status, item.due_on, item.fulfilled_by) == ("fulfilled", dt.date(2003, 4, 30), cfo)
    assert item.fulfilled_with == f"covenants.StatementVersion:{version.pk}"


def test_a_submitted_statement_emails_the_banks_analysts_once(submit, abl_analyst, cfo):
    from django.core import mail

    from covenants.services.notifications import send_covenant_email

    version = submit()

    sent = [m for m in mail.outbox if "financial statement" in m.subject]
    assert [m.to for m in sent] == [[abl_analyst.email]]
    assert "Gamsey" in sent[0].body
    assert send_covenant_email(event="statement_submitted", subject_id=version.pk) is None
    assert len([m for m in mail.outbox if "financial statement" in m.subject]) == 1
