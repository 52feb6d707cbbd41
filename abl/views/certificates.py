"""The borrower's certificate: upload, progress, figures, roll-forward, certify."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from abl.access import get_certificate_for_user, get_facility_for_user, may_report, signed_in_user
from abl.calc.receivables import CATEGORIES
from abl.forms import (
    CertifyForm,
    DiscardForm,
    ReplaceFileForm,
    ReportedIneligiblesForm,
    RollForwardForm,
    UploadForm,
    show_refusal,
)
from abl.models import Certificate, User
from abl.services import certificates as certificate_service
from abl.services import collateral as collateral_service
from abl.services import loans
from abl.services.collateral import UploadRefused
from abl.views.presenters import certificate_context, files_panel

FILE_FIELDS = ("receivables", "inventory", "payables")


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    if not may_report(user, facility):
        raise Http404("Only the borrower reports collateral")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = collateral_service.report_collateral(
                facility=facility,
                actor=user,
                as_of=data["as_of"],
                reported_outstanding=data["reported_outstanding"],
                files={kind: data[kind] for kind in FILE_FIELDS if data.get(kind)},
                replace=data["replace"],
            )
        except UploadRefused as error:
            show_refusal(form, error)
        else:
            messages.info(request, "Files received; each is being checked row by row.")
            return redirect("certificate_detail", certificate.pk)
    # The confirmation appears once an upload was refused because it replaces a file.
    show_replace = bool(form["replace"].errors or form["replace"].value())
    return render(
        request,
        "abl/upload.html",
        {"facility": facility, "form": form, "show_replace": show_replace},
    )


@login_required
@require_POST
def replace_file(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    certificate = get_certificate_for_user(user, pk)
    if not may_report(user, certificate.facility):
        raise Http404("Only the borrower reports collateral")
    form = ReplaceFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            collateral_service.report_collateral(
                facility=certificate.facility,
                actor=user,
                as_of=certificate.as_of,
                files={form.cleaned_data["kind"]: form.cleaned_data["file"]},
                replace=form.cleaned_data["replace"],
                draft=certificate,
            )
        except UploadRefused as error:
            field = "file" if error.field in FILE_FIELDS else error.field
            form.add_error(field if field in form.fields else None, str(error))
        else:
            messages.info(request, "File received; it is being checked row by row.")
            return redirect("certificate_detail", certificate.pk)
    context = _detail_context(certificate, user, replace_form=form)
    return render(request, "abl/certificate_detail.html", context, status=400)


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    certificate = get_certificate_for_user(user, pk)
    form = DiscardForm(request.POST)
    if not form.is_valid():
        context = _detail_context(certificate, user, discard_form=form)
        return render(request, "abl/certificate_detail.html", context, status=400)
    try:
        collateral_service.discard_draft(
            certificate=certificate, actor=user, reason=form.cleaned_data["reason"]
        )
    except UploadRefused as error:
        messages.error(request, str(error))
        return redirect("certificate_detail", certificate.pk)
    messages.success(request, f"The draft as of {certificate.as_of} was discarded.")
    return redirect("facility_detail", certificate.facility_id)


@login_required
@require_POST
def correct_and_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    certificate = get_certificate_for_user(user, pk)
    try:
        draft = certificate_service.correct_returned_certificate(
            certificate=certificate, actor=user
        )
    except certificate_service.CertificateError as error:
        messages.error(request, str(error))
        return redirect("certificate_detail", certificate.pk)
    messages.info(
        request,
        "A new draft carries over the returned certificate's files and your figures; "
        "the files are being checked again. Correct what was asked, then certify.",
    )
    return redirect("certificate_detail", draft.pk)


def _detail_context(certificate: Certificate, user: User, **forms: Any) -> dict[str, Any]:
    """The certificate page, with the forms a refused POST shows again."""
    return {**certificate_context(certificate, user), **forms}


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate, rendered afresh on every request: what it shows is the data as it is
    now, and its forms carry the request's own CSRF token (the template's csrf_token tag)."""
    user = signed_in_user(request)
    certificate = get_certificate_for_user(user, pk)
    return render(request, "abl/certificate_detail.html", _detail_context(certificate, user))


@login_required
def certificate_files(request: HttpRequest, pk: int) -> HttpResponse:
    """The files panel alone: htmx polls it while any file is being processed."""
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    panel = files_panel(certificate)
    pending = panel["pending"]
    response = render(request, "abl/_files.html", panel)
    if request.headers.get("HX-Request") and not pending and request.GET.get("was_pending"):
        response["HX-Refresh"] = "true"  # all done: reload the page to show the new figures
    return response


@login_required
@require_POST
def save_roll_forward(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    certificate = get_certificate_for_user(user, pk)
    form = RollForwardForm(request.POST)
    reported = ReportedIneligiblesForm(request.POST, categories=CATEGORIES, prefix="reported")
    if form.is_valid() and reported.is_valid():
        try:
            certificate_service.save_borrower_figures(
                certificate=certificate,
                actor=user,
                roll_forward=form.cleaned_data,
                reported_ineligibles=reported.cleaned_data,
            )
        except certificate_service.CertificateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Roll-forward saved.")
        return redirect("certificate_detail", certificate.pk)
    context = _detail_context(certificate, user, rollforward_form=form, reported_form=reported)
    return render(request, "abl/certificate_detail.html", context, status=400)


@login_required
@require_POST
def certify(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    certificate = get_certificate_for_user(user, pk)
    form = CertifyForm(request.POST)
    if form.is_valid():
        try:
            certificate_service.submit_certificate(
                certificate=certificate,
                actor=user,
                name=form.cleaned_data["name"],
                title=form.cleaned_data["title"],
                explanation=form.cleaned_data["explanation"],
            )
        except certificate_service.CertificateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Certificate submitted to the bank.")
        return redirect("certificate_detail", certificate.pk)
    context = _detail_context(certificate, user, certify_form=form)
    return render(request, "abl/certificate_detail.html", context, status=400)


@login_required
def certificate_list(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_facility_for_user(signed_in_user(request), pk)
    items = facility.certificates.select_related("current", "submitted", "approved")
    context = {
        "facility": facility,
        "certificates": items,
        "live": loans.live_availability(facility),
    }
    return render(request, "abl/certificate_list.html", context)
