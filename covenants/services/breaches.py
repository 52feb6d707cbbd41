"""Resolving a breach case: a waiver, an amendment, or an event of default.

Each is the analyst's, audited, emails both sides once the transaction
commits, and refuses (changing nothing) when the case is not open or the
input is short of what the resolution needs:

- a waiver needs a reason and the signed waiver document;
- an amendment resets the covenant's requirement from a date as a new terms
  version (abl/services/terms.py), tests the statement again under it, and is
  refused if the statement still fails;
- an event of default is declared on the facility (abl/services/loans/),
  which blocks new advances until it is cured.
"""

import dataclasses
import datetime as dt
import hashlib
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from abl import business_date
from abl.audit import record
from abl.calc.terms.covenants import with_requirement
from abl.locks import lock_facility
from abl.models import User
from abl.services.terms import parsed_version
from covenants.access import breach_resolution_refusal
from covenants.calc.report import figure_text, requirement_text
from covenants.models import BreachCase
from covenants.services.errors import CovenantRefused
from covenants.services.notifications import queue_covenant_email
from covenants.services.testing import results_of, run_covenant_tests

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def _locked_open_case(case: BreachCase, user: User) -> BreachCase:
    # The facility first, as every covenant and terms service locks it, then the case.
    lock_facility(case.facility_id)
    case = (
        BreachCase.objects.select_for_update(of=("self",))
        .select_related("statement__facility")
        .get(pk=case.pk)
    )
    if refusal := breach_resolution_refusal(user, case):
        raise CovenantRefused(refusal)
    return case


def _resolved(case: BreachCase, *, status: str, reason: str, user: User, **changes: object) -> None:
    case.status = status
    case.reason = reason
    # The figures it is granted on: the statement's version now, as last tested.
    current = case.statement.current
    case.covered_test = current.latest_test if current is not None else None
    case.resolved_by = user
    case.resolved_at, case.resolved_on = timezone.now(), business_date.today()
    case.save()
    record(
        actor=user,
        action=f"covenants.breach_{status}",
        obj=case,
        facility=case.facility,
        summary=(
            f"Breach of {case.get_covenant_display()} at {case.statement.period_end} resolved: "
            f"{case.get_status_display().lower()}: {reason}"
        ),
        changes={"status": ["open", status], "reason": reason, **changes},
    )
    queue_covenant_email(subject=case, event="breach_resolved")


def _reason(reason: str) -> str:
    if not reason.strip():
        raise CovenantRefused("A reason is required to resolve a breach case.")
    return reason.strip()


@transaction.atomic
def waive_breach(
    *, case: BreachCase, reason: str, document: UploadedFile | None, user: User
) -> BreachCase:
    reason = _reason(reason)
    if document is None or not document.size:
        raise CovenantRefused("Attach the signed waiver document.")
    if document.size > MAX_DOCUMENT_BYTES:
        raise CovenantRefused(
            f"The waiver document is {document.size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}."
        )
    case = _locked_open_case(case, user)
    content = b"".join(document.chunks())
    name = (document.name or "waiver")[-200:]
    case.document = content
    case.document_name = name
    case.document_sha256 = hashlib.sha256(content).hexdigest()
    _resolved(
        case,
        status=BreachCase.Status.WAIVED,
        reason=reason,
        user=user,
        document=name,
        document_sha256=case.document_sha256,
    )
    return case


@transaction.atomic
def amend_covenant(
    *, case: BreachCase, requirement: Decimal, effective_from: dt.date, reason: str, user: User
) -> BreachCase:
    """Reset the case's covenant requirement from `effective_from` (on or before the period end)."""
    from abl.services.terms import create_terms_version

    reason = _reason(reason)
    case = _locked_open_case(case, user)
    statement = case.statement
    if effective_from > statement.period_end:
        raise CovenantRefused(
            f"An amendment that resolves the breach at {statement.period_end} takes effect "
            f"on or before it, not {effective_from}."
        )
    current = case.facility.current_terms()
    if current is None:
        raise CovenantRefused("The facility has no terms loaded.")
    terms = parsed_version(current)
    assert terms.covenants is not None
    try:
        covenants = with_requirement(terms.covenants, case.covenant, effective_from, requirement)
    except ValueError as error:
        raise CovenantRefused(f"The new requirement is not valid: {error}.") from None
    path = f"covenants.{case.covenant}"
    words = (
        f"Amended by the bank (breach case {case.pk}, {business_date.today()}): "
        f"{requirement_text(case.covenant, requirement)} from {effective_from}. {reason}"
    )
    amendments = (*((p, w) for p, w in terms.amendments if p != path), (path, words))
    version, _ = create_terms_version(
        facility=case.facility,
        terms=dataclasses.replace(terms, covenants=covenants, amendments=amendments),
        actor=user,
        reason=f"Amendment: {case.get_covenant_display()} from {effective_from}: {reason}",
        effective_date=effective_from,
    )
    assert statement.current is not None
    test = run_covenant_tests(version=statement.current, terms_version=version)
    result = next((r for r in results_of(test) if r.covenant == case.covenant), None)
    if result is not None and result.tested and not result.passed:
        raise CovenantRefused(
            f"Under the amended requirement ({figure_text(result, result.required)}) the "
            f"statement still fails ({figure_text(result, result.actual)}): nothing was changed."
        )
    case.amendment = version
    case.effective_from = effective_from
    _resolved(
        case,
        status=BreachCase.Status.AMENDED,
        reason=reason,
        user=user,
        requirement=str(requirement),
        effective_from=effective_from.isoformat(),
        terms_version=version.version,
    )
    return case


@transaction.atomic
def declare_default(*, case: BreachCase, reason: str, user: User) -> BreachCase:
    """The breach is an event of default: the facility is in default from today's business date."""
    from abl.services.loans import declare_event_of_default

    reason = _reason(reason)
    case = _locked_open_case(case, user)
    today = business_date.today()
    declare_event_of_default(
        facility=case.facility,
        on=today,
        reason=f"Breach of {case.get_covenant_display()} at {case.statement.period_end}: {reason}",
        user=user,
    )
    _resolved(
        case, status=BreachCase.Status.DEFAULT, reason=reason, user=user, on=today.isoformat()
    )
    return case
