"""The analyst's desk: the queue, reserves, consents, approve or return."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from abl.access import get_certificate_for_user, require_role, signed_in_user
from abl.calc.terms import Reserve
from abl.forms import ConsentForm, ReserveChangeForm, ReserveFormSet, ReviewForm
from abl.models import Certificate, Role
from abl.services import certificates as service
from abl.services import terms as terms_service
from abl.services.queues import certificates_to_review
from abl.views.presenters import certificate_context


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require_role(user, Role.ANALYST, Role.ADMIN)
    from abl.views.loans import open_advances

    context = {"queue": certificates_to_review(user), "advances": open_advances(user)}
    return render(request, "abl/review_queue.html", context)


def _rerender(request: HttpRequest, certificate: Certificate, **forms: object) -> HttpResponse:
    context = certificate_context(certificate, signed_in_user(request))
    context.update(forms)
    return render(request, "abl/certificate_detail.html", context, status=400)


@login_required
@require_POST
def set_reserves(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require_role(user, Role.ANALYST)
    certificate = get_certificate_for_user(user, pk)
    formset = ReserveFormSet(request.POST, prefix="reserve")
    form = ReserveChangeForm(request.POST)
    if not (formset.is_valid() and form.is_valid()):
        return _rerender(request, certificate, reserves_formset=formset, reserves_form=form)
    reserves = [Reserve(name=n, amount=a, reason=r) for n, a, r in formset.reserves()]
    try:
        terms_service.set_reserves(
            facility=certificate.facility,
            reserves=reserves,
            actor=user,
            reason=form.cleaned_data["reason"],
            effective_date=form.cleaned_data["effective_date"],
        )
    except service.CertificateError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Reserves saved as a new terms version; open certificates are being recomputed.",
        )
    return redirect("certificate_detail", certificate.pk)


@login_required
@require_POST
def record_consent(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require_role(user, Role.ANALYST)
    certificate = get_certificate_for_user(user, pk)
    form = ConsentForm(request.POST, prefix="consent")
    if not form.is_valid():
        return _rerender(request, certificate, consent_form=form)
    try:
        terms_service.record_consent(
            facility=certificate.facility,
            program=form.cleaned_data["program"].strip().upper(),
            received=form.cleaned_data["received"],
            actor=user,
            reason=form.cleaned_data["reason"],
            effective_date=form.cleaned_data["effective_date"],
        )
    except (service.CertificateError, KeyError, ValueError) as error:
        messages.error(request, f"Consent not recorded: {error}")
    else:
        messages.success(
            request, "Consent recorded as a new terms version; open certificates recomputed."
        )
    return redirect("certificate_detail", certificate.pk)


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require_role(user, Role.ANALYST)
    certificate = get_certificate_for_user(user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _rerender(request, certificate, review_form=form)
    try:
        if form.cleaned_data["decision"] == "approve":
            service.approve_certificate(
                certificate=certificate, actor=user, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "Approved: this is now the facility's borrowing base.")
        else:
            service.return_certificate(
                certificate=certificate, actor=user, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "Returned to the borrower with your comments.")
    except service.CertificateError as error:
        messages.error(request, str(error))
    return redirect("certificate_detail", certificate.pk)
