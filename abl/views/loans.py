"""The loan: the borrower's loan page, the analyst's advance decisions, the ledger."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from abl.access import (
    advance_approval_refusal,
    get_advance_for_user,
    get_facility_for_user,
    may_decide_advance,
    may_keep_books,
    may_report,
    signed_in_user,
    withdrawal_refusal,
)
from abl.calc.loans import daily_balances
from abl.calc.money import money_text
from abl.forms import show_refusal
from abl.loan_forms import (
    AdvanceDecisionForm,
    AdvanceRequestForm,
    RepaymentForm,
    RepaymentImportForm,
)
from abl.models import AdvanceRequest, Facility, LedgerEntry, User
from abl.services import loans
from abl.services.errors import LoanRefused


@login_required
@require_http_methods(["GET", "POST"])
def loan(request: HttpRequest, pk: int) -> HttpResponse:
    """The borrower's loan: balance, availability, its requests, and the request form."""
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    can_request = may_report(user, facility)
    if request.method == "POST" and not can_request:
        raise Http404("Only the borrower asks for advances")
    form = AdvanceRequestForm(request.POST or None, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            advance = loans.request_advance(
                facility=facility,
                actor=user,
                amount=data["amount"],
                value_date=data["value_date"],
                purpose=data["purpose"],
                key=data["key"],
            )
        except LoanRefused as error:
            show_refusal(form, error)
        else:
            messages.success(
                request, f"Advance of {money_text(advance.amount)} requested (number {advance.pk})."
            )
            return redirect("loan", facility.pk)
    context = {
        "facility": facility,
        "live": loans.live_availability(facility),
        "requests": facility.advance_requests.select_related(
            "requested_by", "decided_by", "first_approved_by", "withdrawn_by"
        )[:50],
        "form": form if can_request else None,
        "can_withdraw": can_request,
    }
    return render(request, "abl/loan.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def advance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: availability before and after it, and the analyst's decision."""
    user = signed_in_user(request)
    advance = get_advance_for_user(user, pk)
    can_decide = may_decide_advance(user, advance)
    if request.method == "POST" and not can_decide:
        raise Http404("Not yours to decide")
    form = AdvanceDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                loans.approve_advance(advance=advance, actor=user, comment=data["comment"])
            else:
                loans.decline_advance(advance=advance, actor=user, comment=data["comment"])
        except LoanRefused as error:
            show_refusal(form, error)
            form.forget_decision()
        else:
            messages.success(request, _decided(advance))
            return redirect("review_queue")
    context = {
        **_decision_context(advance, user),
        "form": form if can_decide else None,
        "can_withdraw": withdrawal_refusal(user, advance) is None,
    }
    return render(request, "abl/advance_detail.html", context, status=400 if form.errors else 200)


def _decided(advance: AdvanceRequest) -> str:
    if advance.awaits_second_approval:
        return (
            f"Advance request {advance.pk}: approved by you, above your approval limit; "
            "it awaits a second analyst's approval."
        )
    return f"Advance request {advance.pk}: {advance.get_status_display().lower()}."


def _decision_context(advance: AdvanceRequest, user: User) -> dict[str, Any]:
    live = loans.live_availability(advance.facility)
    after = live.committed.after(advance.amount) if live.committed and advance.is_open else None
    refusal = None
    if advance.is_open:
        refusal = loans.approval_refusal(advance, live)
        if refusal is None and user.is_analyst:
            refusal = advance_approval_refusal(user, advance)
    return {
        "advance": advance,
        "facility": advance.facility,
        "live": live,
        "after": after,
        "refusal": refusal,
    }


@login_required
@require_POST
def withdraw_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """The borrower withdraws a request not yet decided; back to the loan page."""
    user = signed_in_user(request)
    advance = get_advance_for_user(user, pk)
    try:
        loans.withdraw_advance(advance=advance, actor=user)
    except LoanRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Advance request {advance.pk} of {money_text(advance.amount)} withdrawn.",
        )
    return redirect("loan", advance.facility_id)


def open_advances(user: User) -> list[dict[str, Any]]:
    """Requests waiting for a decision, oldest first, each with its facility's availability."""
    from abl.services.queues import advances_to_decide

    requests = advances_to_decide(user)
    live: dict[int, loans.LiveAvailability] = {}
    rows = []
    for advance in requests:
        if advance.facility_id not in live:
            live[advance.facility_id] = loans.live_availability(advance.facility)
        facility_live = live[advance.facility_id]
        committed = facility_live.committed
        rows.append(
            {
                "advance": advance,
                "available": committed.excess_availability if committed else None,
                "after": committed.excess_availability - advance.amount if committed else None,
                "pending": facility_live.requests_pending,
                "after_pending": facility_live.excess_after_pending,
            }
        )
    return rows


@login_required
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    return render(request, "abl/ledger.html", _ledger_context(request, facility, user))


def _ledger_context(
    request: HttpRequest, facility: Facility, user: User, **forms: Any
) -> dict[str, Any]:
    entries = LedgerEntry.objects.filter(facility=facility)
    running = entries.running_balances()  # §7: by value date, then recording order
    page = Paginator(running[::-1], 100).get_page(request.GET.get("page"))
    by_seq = entries.filter(seq__in=[row.seq for row in page]).select_related("created_by")
    shown = {entry.seq: entry for entry in by_seq}
    rows = [(shown[row.seq], row.balance) for row in page]
    days = daily_balances((row.value_date, row.amount) for row in running)
    context: dict[str, Any] = {
        "facility": facility,
        "live": loans.live_availability(facility),
        "page": page,
        "rows": rows,
        "days": list(reversed(days))[:60],
        "can_record": may_keep_books(user),
    }
    if context["can_record"]:
        context["repayment_form"] = forms.get("repayment_form") or RepaymentForm(
            initial={"value_date": context["live"].on}
        )
        context["import_form"] = forms.get("import_form") or RepaymentImportForm()
    return context


@login_required
@require_POST
def record_repayment(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    if not may_keep_books(user):
        raise Http404("Only analysts record repayments")
    form = RepaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = loans.record_repayment(
                facility=facility,
                actor=user,
                amount=data["amount"],
                value_date=data["value_date"],
                kind=data["kind"],
                description=data["description"],
            )
        except LoanRefused as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                f"{entry.get_kind_display()} of {money_text(-entry.amount)} recorded.",
            )
            return redirect("ledger", facility.pk)
    context = _ledger_context(request, facility, user, repayment_form=form)
    return render(request, "abl/ledger.html", context, status=400)


@login_required
@require_POST
def import_repayments(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    if not may_keep_books(user):
        raise Http404("Only analysts record repayments")
    form = RepaymentImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            done = loans.import_repayments(
                facility=facility, actor=user, upload=form.cleaned_data["file"]
            )
        except LoanRefused as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{done.entries:,} repayments and collections recorded.")
            return redirect("ledger", facility.pk)
    context = _ledger_context(request, facility, user, import_form=form)
    return render(request, "abl/ledger.html", context, status=400)
