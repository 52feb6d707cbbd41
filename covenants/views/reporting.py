"""The borrower's financial reporting page: what is due, what was submitted, and the forms."""

import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from abl import business_date
from abl.access import get_facility_for_user, signed_in_user
from abl.models import Facility
from abl.readers import CollateralFileError
from abl.services.terms import facility_terms
from covenants.access import capex_request_refusal, statement_refusal
from covenants.calc.financials import FIELDS, Financials, FinancialsError
from covenants.forms import CapexRequestForm, StatementFileForm, StatementForm
from covenants.models import CapexRequest, FinancialStatement
from covenants.services import capex, statements
from covenants.services.errors import CovenantRefused
from reporting.services.calendar import due_rules


@dataclass(frozen=True)
class DueRow:
    period_end: Any
    due_on: Any
    statement: FinancialStatement | None
    state: str  # "submitted", "late", "overdue", "due"


def due_rows(facility: Facility, by_period: dict[Any, FinancialStatement]) -> list[DueRow]:
    parsed = facility_terms(facility)
    if parsed is None:
        return []
    today = business_date.today()
    rows = []
    schedule = due_rules(parsed.reporting).schedule(
        "financials", None, start=parsed.facility.terms_date, on=today
    )
    for due in reversed(schedule):
        statement = by_period.get(due.period_end)
        versions = list(statement.versions.all()) if statement else []
        first = min(versions, key=lambda v: v.version) if versions else None
        if first is not None:
            state = "late" if first.late else "submitted"
        else:
            state = "overdue" if today > due.due_on else "due"
        rows.append(DueRow(due.period_end, due.due_on, statement, state))
    return rows


def _page(request: HttpRequest, facility: Facility, **forms: Any) -> dict[str, Any]:
    user = signed_in_user(request)
    all_statements = list(
        FinancialStatement.objects.filter(facility=facility)
        .select_related("current__latest_test")
        .prefetch_related("versions")
        .order_by("-period_end")
    )
    actuals = {s.period_end: s for s in all_statements if s.kind == "actual"}
    may_submit = statement_refusal(user, facility) is None
    return {
        "facility": facility,
        "due": due_rows(facility, actuals),
        "statements": all_statements,
        "capex_requests": CapexRequest.objects.filter(facility=facility).select_related(
            "requested_by", "decided_by"
        ),
        "may_submit": may_submit,
        "may_request_capex": capex_request_refusal(user, facility) is None,
        "form": forms.get("form") or StatementForm(initial={"officer_title": user.title}),
        "file_form": forms.get("file_form")
        or StatementFileForm(initial={"officer_title": user.title}),
        "capex_form": forms.get("capex_form")
        or CapexRequestForm(initial={"year": business_date.today().year}),
        "figure_names": [n for n in FIELDS if n != "approved_additional_capex"],
    }


@login_required
def financial_reporting(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_facility_for_user(signed_in_user(request), pk)
    return render(request, "covenants/reporting.html", _page(request, facility))


def _invalid(request: HttpRequest, facility: Facility, **forms: Any) -> HttpResponse:
    context = _page(request, facility, **forms)
    return render(request, "covenants/reporting.html", context, status=400)


@login_required
@require_POST
def submit_statement(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _invalid(request, facility, form=form)
    data = form.cleaned_data
    try:
        financials = Financials(
            **{n: data[n] for n in statements.FIGURES}, approved_additional_capex=Decimal("0.00")
        )
    except FinancialsError as error:
        for problem in error.problems:
            field, message = problem.split(": ", 1)
            form.add_error(field if field in form.fields else None, message)
        return _invalid(request, facility, form=form)
    try:
        version = statements.submit_statement(
            facility=facility,
            kind=data["kind"],
            period_end=data["period_end"],
            financials=financials,
            user=user,
            officer_title=data["officer_title"],
            reason=data["reason"],
        )
    except CovenantRefused as error:
        form.add_error(None, str(error))
        return _invalid(request, facility, form=form)
    messages.success(request, f"Statement for {version.statement.period_end} submitted.")
    return redirect("statement_detail", pk=version.pk)


@login_required
@require_POST
def upload_statements(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    form = StatementFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invalid(request, facility, file_form=form)
    upload = form.cleaned_data["file"]
    name = Path(upload.name or "statements.csv").name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            versions = statements.submit_statement_file(
                facility=facility,
                kind=form.cleaned_data["kind"],
                path=path,
                filename=name,
                user=user,
                officer_title=form.cleaned_data["officer_title"],
                reason=form.cleaned_data["reason"],
            )
        except CollateralFileError as error:
            for problem in error.problems:
                form.add_error(None, str(problem))
            if error.more:
                form.add_error(None, f"… and {error.more} more problems")
            return _invalid(request, facility, file_form=form)
        except CovenantRefused as error:
            form.add_error(None, str(error))
            return _invalid(request, facility, file_form=form)
    messages.success(request, f"{name}: {len(versions)} statement(s) submitted.")
    return redirect("financial_reporting", pk=facility.pk)


@login_required
@require_POST
def request_capex(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    form = CapexRequestForm(request.POST)
    if not form.is_valid():
        return _invalid(request, facility, capex_form=form)
    try:
        capex.request_capex_approval(facility=facility, user=user, **form.cleaned_data)
    except CovenantRefused as error:
        form.add_error(None, str(error))
        return _invalid(request, facility, capex_form=form)
    messages.success(request, "Capex approval requested; the bank's analysts have been told.")
    return redirect("financial_reporting", pk=facility.pk)
