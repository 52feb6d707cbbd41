"""Ending an event of default from the facility page (§7; docs/loans.md): one analyst proposes
a cure or a waiver, a second confirms it. The rules are the service's
(`loans.propose_default_end`, `loans.confirm_default_end`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from abl.access import get_facility_for_user, signed_in_user
from abl.forms import show_refusal
from abl.loan_forms import DefaultEndForm
from abl.models import DefaultEvent, Role
from abl.services import loans
from abl.services.errors import LoanRefused
from abl.views.home import facility_page


@login_required
@require_POST
def propose_default_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    if user.role != Role.ANALYST:
        raise Http404("Only analysts cure or waive an event of default")
    form = DefaultEndForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            event = loans.propose_default_end(
                facility=facility,
                ending=data["ending"],
                reason=data["reason"],
                document=data["document"],
                user=user,
            )
        except LoanRefused as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                f"{event.get_ending_display()} proposed: a second analyst confirms it.",
            )
            return redirect(f"{reverse('facility_detail', args=[facility.pk])}#defaults")
    return facility_page(request, facility, user, default_form=form, status=400)


@login_required
@require_POST
def confirm_default_end(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    if user.role != Role.ANALYST:
        raise Http404("Only analysts confirm a cure or a waiver")
    event = get_object_or_404(DefaultEvent, pk=event_pk, facility=facility)
    try:
        event = loans.confirm_default_end(event=event, user=user)
    except LoanRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Event of default ended on {event.ended_on} "
            f"({event.get_ending_display().lower()}): advances resume.",
        )
    return redirect(f"{reverse('facility_detail', args=[facility.pk])}#defaults")
