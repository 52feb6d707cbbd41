"""The borrower's certificate: upload, progress, figures, roll-forward, certify."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from abl.access import get_certificate_for_user, get_facility_for_user
from abl.forms import (
    CertifyForm,
    ReplaceFileForm,
    ReportedIneligiblesForm,
    RollForwardForm,
    UploadForm,
)
from abl.models import CollateralFile, Role
from abl.services import certificates as certificate_service
from abl.services import collateral as collateral_service
from abl.services.collateral import UploadRefused
from abl.views.home import _user
from abl.views.presenters import certificate_context

FILE_FIELDS = ("receivables", "inventory", "payables")


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    facility = get_facility_for_user(user, pk)
    if user.role != Role.BORROWER:
        raise Http404("Only the borrower uploads collateral")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction: a refused file leaves no empty draft, and no stored file, behind.
            with collateral_service.files_kept_only_on_success(), transaction.atomic():
                certificate = collateral_service.open_draft(
                    facility=facility, as_of=form.cleaned_data["as_of"], actor=user
                )
                collateral_service.set_outstanding(
                    certificate=certificate,
                    outstanding=form.cleaned_data["outstanding"],
                    actor=user,
                )
                for kind in FILE_FIELDS:
                    if form.cleaned_data.get(kind):
                        collateral_service.receive_file(
                            certificate=certificate,
                            kind=kind,
                            upload=form.cleaned_data[kind],
                            actor=user,
                        )
        except UploadRefused as error:
            form.add_error(None, str(error))
        else:
            messages.info(request, "Files received; each is being checked row by row.")
            return redirect("certificate_detail", certificate.pk)
    return render(request, "abl/upload.html", {"facility": facility, "form": form})


@login_required
@require_POST
def replace_file(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    certificate = get_certificate_for_user(user, pk)
    form = ReplaceFileForm(request.POST, request.FILES)
    if user.role != Role.BORROWER:
        raise Http404("Only the borrower uploads collateral")
    if not form.is_valid():
        messages.error(request, "Choose a file and its kind.")
    else:
        try:
            collateral_service.receive_file(
                certificate=certificate,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                actor=user,
            )
        except UploadRefused as error:
            messages.error(request, str(error))
    return redirect("certificate_detail", certificate.pk)


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_certificate_for_user(_user(request), pk)
    return render(
        request, "abl/certificate_detail.html", certificate_context(certificate, _user(request))
    )


@login_required
def certificate_files(request: HttpRequest, pk: int) -> HttpResponse:
    """The files panel alone: htmx polls it while any file is being processed."""
    certificate = get_certificate_for_user(_user(request), pk)
    files = certificate.files.exclude(status=CollateralFile.Status.REPLACED)
    pending = any(not f.is_finished for f in files)
    response = render(
        request, "abl/_files.html", {"certificate": certificate, "files": files, "pending": pending}
    )
    if request.headers.get("HX-Request") and not pending and request.GET.get("was_pending"):
        response["HX-Refresh"] = "true"  # all done: reload the page to show the new figures
    return response


@login_required
@require_POST
def save_roll_forward(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    certificate = get_certificate_for_user(user, pk)
    form = RollForwardForm(request.POST)
    reported = ReportedIneligiblesForm(
        request.POST, categories=certificate_service.CATEGORIES, prefix="reported"
    )
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
    context = certificate_context(certificate, user)
    context.update(rollforward_form=form, reported_form=reported)
    return render(request, "abl/certificate_detail.html", context, status=400)


@login_required
@require_POST
def certify(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    certificate = get_certificate_for_user(user, pk)
    form = CertifyForm(request.POST)
    if form.is_valid():
        try:
            certificate_service.submit_certificate(
                certificate=certificate,
                actor=user,
                name=form.cleaned_data["name"],
                title=form.cleaned_data["title"],
            )
        except certificate_service.CertificateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Certificate submitted to the bank.")
        return redirect("certificate_detail", certificate.pk)
    context = certificate_context(certificate, user)
    context["certify_form"] = form
    return render(request, "abl/certificate_detail.html", context, status=400)


@login_required
def certificate_list(request: HttpRequest, pk: int) -> HttpResponse:
    facility = get_facility_for_user(_user(request), pk)
    items = facility.certificates.select_related("current", "submitted", "approved")
    return render(
        request, "abl/certificate_list.html", {"facility": facility, "certificates": items}
    )
