"""The analyst's covenant queues: breach cases, capex requests and statements to accept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from abl.access import require_role, signed_in_user
from abl.models import Role
from covenants.access import (
    breach_resolution_refusal,
    capex_decision_refusal,
    get_capex_request_for_user,
    get_case_for_user,
)
from covenants.forms import AmendmentForm, CapexDecisionForm, DefaultForm, WaiverForm
from covenants.services import breaches, capex
from covenants.services.errors import CovenantRefused
from covenants.services.queries import open_cases, pending_capex_requests, statements_to_accept


@login_required
def breach_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require_role(user, Role.ANALYST, Role.ADMIN, Role.RELATIONSHIP_MANAGER)
    return render(request, "covenants/breach_queue.html", {"cases": open_cases(user)})


@login_required
def statement_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require_role(user, Role.ANALYST, Role.ADMIN, Role.RELATIONSHIP_MANAGER)
    return render(
        request, "covenants/statement_queue.html", {"versions": statements_to_accept(user)}
    )


@login_required
def breach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    case = get_case_for_user(user, pk)
    context = {
        "case": case,
        "may_resolve": breach_resolution_refusal(user, case) is None,
        "waiver_form": WaiverForm(),
        "amendment_form": AmendmentForm(initial={"effective_from": case.statement.period_end}),
        "default_form": DefaultForm(),
    }
    return render(request, "covenants/breach_detail.html", context)


def _resolve(request: HttpRequest, pk: int, form_class: type, action: str) -> HttpResponse:
    user = signed_in_user(request)
    case = get_case_for_user(user, pk)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"Nothing was changed: {errors}")
        return redirect("breach_detail", pk=case.pk)
    try:
        if action == "waive":
            breaches.waive_breach(case=case, user=user, **form.cleaned_data)
        elif action == "amend":
            breaches.amend_covenant(case=case, user=user, **form.cleaned_data)
        else:
            breaches.declare_default(case=case, user=user, **form.cleaned_data)
    except CovenantRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The case is resolved; both sides are emailed.")
    return redirect("breach_detail", pk=case.pk)


@login_required
@require_POST
def waive_breach(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolve(request, pk, WaiverForm, "waive")


@login_required
@require_POST
def amend_covenant(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolve(request, pk, AmendmentForm, "amend")


@login_required
@require_POST
def declare_default(request: HttpRequest, pk: int) -> HttpResponse:
    return _resolve(request, pk, DefaultForm, "default")


@login_required
def waiver_document(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(signed_in_user(request), pk)
    if not case.document_name:
        from django.http import Http404

        raise Http404("No waiver document")
    response = HttpResponse(bytes(case.document), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="waiver-{case.pk}"'
    return response


@login_required
def capex_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require_role(user, Role.ANALYST, Role.ADMIN, Role.RELATIONSHIP_MANAGER)
    requests = [(r, capex_decision_refusal(user, r) is None) for r in pending_capex_requests(user)]
    return render(
        request, "covenants/capex_queue.html", {"requests": requests, "form": CapexDecisionForm()}
    )


@login_required
@require_POST
def decide_capex(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    capex_request = get_capex_request_for_user(user, pk)
    form = CapexDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was changed: choose approve or decline.")
        return redirect("capex_queue")
    try:
        capex.decide_capex_request(
            request=capex_request,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
            user=user,
        )
    except CovenantRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Capex request {capex_request.pk} decided.")
    return redirect("capex_queue")
