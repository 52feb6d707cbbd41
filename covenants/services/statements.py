"""Financial statements submitted by the borrower: by form or file, restated as new versions.

Every function is keyword-only, transactional and audited, and locks the
facility before it writes (so two submissions never share a version number,
and the audit chain is taken last). A statement is due `financials_due_days`
(30) days after its month end, a weekend rolled to the Monday (abl/calc/due.py,
the terms' `reporting.due_rules`); the first version submitted
after that is late, and submitting fulfils the due calendar's item for the
period (`fulfil_due_item`). Submitting tests the covenants at once
(covenants/services/testing.py) and, for actual figures, queues the compliance
certificate and the bank's email once the transaction commits.
"""

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from abl import business_date
from abl.audit import record
from abl.calc.dates import date_problem
from abl.calc.due import month_end
from abl.locks import lock_facility
from abl.models import Facility, User
from abl.outbox import enqueue
from abl.services.terms import parsed_version
from covenants.access import acceptance_refusal, statement_refusal
from covenants.calc.financials import FIELDS, Financials, financials_to_data
from covenants.models import ComplianceCertificate, FinancialStatement, StatementVersion
from covenants.services.errors import CovenantRefused
from covenants.services.testing import run_covenant_tests
from reporting.models import DueItem
from reporting.services.calendar import fulfil_due_item

Kind = FinancialStatement.Kind
FIGURES = tuple(name for name in FIELDS if name != "approved_additional_capex")


def period_problem(kind: str, period_end: dt.date, today: dt.date) -> str | None:
    """Why a statement cannot be for this date: out of range, not a month end, or on the
    wrong side of today."""
    if problem := date_problem(period_end):
        return f"{problem}."
    if month_end(period_end) != period_end:
        return f"{period_end} is not a month end; statements are for month ends."
    if kind == Kind.ACTUAL and period_end > today:
        return f"{period_end} is after today's business date {today}: upload it as a projection."
    if kind == Kind.PROJECTION and period_end <= today:
        return f"{period_end} is not after today's business date {today}: projections are for future dates."
    return None


def due_on(facility: Facility, period_end: dt.date) -> dt.date:
    version = facility.current_terms()
    if version is None:
        raise CovenantRefused("The facility has no terms loaded.")
    rules = parsed_version(version).reporting.due_rules
    return rules.due_for("financials", None, period_end).due_on


@transaction.atomic
def submit_statement(
    *,
    facility: Facility,
    kind: str,
    period_end: dt.date,
    financials: Financials,
    user: User,
    officer_title: str,
    reason: str = "",
    source: str = StatementVersion.Source.FORM,
    file_name: str = "",
) -> StatementVersion:
    """A new version of the statement for the period (the first, or a restatement with a reason)."""
    return submit_statements(
        facility=facility,
        kind=kind,
        rows=[(period_end, financials)],
        user=user,
        officer_title=officer_title,
        reason=reason,
        source=source,
        file_name=file_name,
    )[0]


@transaction.atomic
def submit_statements(
    *,
    facility: Facility,
    kind: str,
    rows: Sequence[tuple[dt.date, Financials]],
    user: User,
    officer_title: str,
    reason: str = "",
    source: str = StatementVersion.Source.FORM,
    file_name: str = "",
) -> list[StatementVersion]:
    """Several periods at once (a file of projections): all stored, or none."""
    if refusal := statement_refusal(user, facility):
        raise CovenantRefused(refusal)
    if kind not in Kind.values:
        raise CovenantRefused(f"No such kind of statement: {kind!r}.")
    if not officer_title.strip():
        raise CovenantRefused("The certifying officer's title is required.")
    today = business_date.today()
    for period_end, _ in rows:
        if problem := period_problem(kind, period_end, today):
            raise CovenantRefused(problem)
    lock_facility(facility)
    if kind == Kind.ACTUAL:
        # The due items each statement fulfils, locked before anything is recorded (abl/audit.py).
        list(
            DueItem.objects.select_for_update().filter(
                facility=facility,
                kind=DueItem.Kind.FINANCIALS,
                period_end__in=[period_end for period_end, _ in rows],
            )
        )
    versions = [
        _add_version(
            facility=facility,
            kind=kind,
            period_end=period_end,
            financials=financials,
            user=user,
            officer_title=officer_title.strip(),
            reason=reason.strip(),
            source=source,
            file_name=file_name,
            today=today,
        )
        for period_end, financials in rows
    ]
    for version in versions:
        run_covenant_tests(version=version)
    return versions


def _add_version(
    *,
    facility: Facility,
    kind: str,
    period_end: dt.date,
    financials: Financials,
    user: User,
    officer_title: str,
    reason: str,
    source: str,
    file_name: str,
    today: dt.date,
) -> StatementVersion:
    from covenants.services.notifications import queue_covenant_email
    from covenants.tasks import render_compliance_certificate_task

    statement, _ = FinancialStatement.objects.get_or_create(
        facility=facility,
        kind=kind,
        period_end=period_end,
        defaults={"due_on": due_on(facility, period_end) if kind == Kind.ACTUAL else None},
    )
    previous = statement.current
    if previous is not None and not reason:
        raise CovenantRefused(
            f"The statement for {period_end} was submitted before (v{previous.version}): "
            "give the reason for restating it."
        )
    number = previous.version + 1 if previous else 1
    late = number == 1 and statement.due_on is not None and today > statement.due_on
    version = StatementVersion.objects.create(
        statement=statement,
        version=number,
        **{name: getattr(financials, name) for name in FIGURES},
        source=source,
        file_name=file_name[:255],
        reason=reason,
        certified_by=user,
        officer_title=officer_title,
        submitted_on=today,
        late=late,
    )
    statement.current = version
    statement.save(update_fields=["current"])
    what = "restated" if previous else "submitted"
    record(
        actor=user,
        action=f"covenants.statement_{what}",
        obj=version,
        facility=facility,
        summary=(
            f"{statement.get_kind_display()} financial statement {period_end} {what} "
            f"(v{number}, by {source}{', late' if late else ''})"
            + (f": {reason}" if reason else "")
        ),
        changes={"figures": {k: financials_to_data(financials)[k] for k in FIGURES}}
        | ({"replaces_version": previous.version} if previous else {}),
    )
    if kind == Kind.ACTUAL:
        fulfil_due_item(
            facility=facility,
            kind=DueItem.Kind.FINANCIALS,
            period_end=period_end,
            actor=user,
            fulfilled_with=f"covenants.StatementVersion:{version.pk}",
        )
        enqueue(render_compliance_certificate_task, version.pk)
        queue_covenant_email(subject=version, event="statement_submitted")
    return version


@transaction.atomic
def submit_statement_file(
    *,
    facility: Facility,
    kind: str,
    path: Path,
    filename: str,
    user: User,
    officer_title: str,
    reason: str = "",
) -> list[StatementVersion]:
    """Every row of a CSV/XLSX file as a statement: all stored, or (on any problem) none.

    Raises abl.readers.CollateralFileError naming each problem's row and column,
    or CovenantRefused.
    """
    if refusal := statement_refusal(user, facility):
        raise CovenantRefused(refusal)
    rows = read_statement_file(path, filename=filename)
    return submit_statements(
        facility=facility,
        kind=kind,
        rows=rows,
        user=user,
        officer_title=officer_title,
        reason=reason,
        source=StatementVersion.Source.UPLOAD,
        file_name=filename,
    )


def read_statement_file(path: Path, *, filename: str) -> list[tuple[dt.date, Financials]]:
    """The rows of a statements file; abl.readers.CollateralFileError lists every problem."""
    from abl.reading import reader_limits
    from covenants.readers import read_statements

    return [
        (row.period_end, row.financials)
        for row in read_statements(path, filename=filename, limits=reader_limits())
    ]


@transaction.atomic
def accept_statement(*, version: StatementVersion, user: User) -> StatementVersion:
    """The analyst accepts the statement version as the borrower certified it."""
    version = (
        StatementVersion.objects.select_for_update().select_related("statement").get(pk=version.pk)
    )
    if refusal := acceptance_refusal(user, version):
        raise CovenantRefused(refusal)
    version.accepted_by = user
    version.accepted_at, version.accepted_on = timezone.now(), business_date.today()
    version.save(update_fields=["accepted_by", "accepted_at", "accepted_on"])
    statement = version.statement
    # The certificate PDF never changes; the acceptance names the exact one it accepts.
    certificate = ComplianceCertificate.objects.filter(statement_version=version).first()
    sha256 = certificate.sha256 if certificate else ""
    record(
        actor=user,
        action="covenants.statement_accepted",
        obj=version,
        facility=statement.facility,
        summary=(
            f"Financial statement {statement.period_end} v{version.version} accepted"
            + (f" (compliance certificate SHA-256 {sha256})" if sha256 else "")
        ),
        changes={"certificate_sha256": sha256},
    )
    from covenants.tasks import render_accepted_certificate_task

    enqueue(render_accepted_certificate_task, version.pk)
    return version
