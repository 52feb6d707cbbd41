"""A statement version's page: its figures, covenant results, certificate and acceptance."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from abl.access import signed_in_user
from covenants.access import acceptance_refusal, get_certificate_for_user, get_version_for_user
from covenants.models import AcceptedCertificate, ComplianceCertificate
from covenants.presenters import figure_rows, result_rows
from covenants.services import statements
from covenants.services.errors import CovenantRefused


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    version = get_version_for_user(user, pk)
    statement = version.statement
    test = version.tests.select_related("terms_version").order_by("-id").first()
    context = {
        "version": version,
        "statement": statement,
        "facility": statement.facility,
        "test": test,
        "rows": result_rows(test),
        "figures": figure_rows(version),
        "versions": statement.versions.select_related("certified_by").order_by("-version"),
        "certificate": ComplianceCertificate.objects.filter(statement_version=version)
        .only("pk", "sha256", "rendered_at")
        .first(),
        "accepted_certificate": AcceptedCertificate.objects.filter(
            certificate__statement_version=version
        )
        .only("pk", "sha256")
        .first(),
        "may_accept": acceptance_refusal(user, version) is None,
        "cases": statement.breach_cases.all(),
    }
    return render(request, "covenants/statement_detail.html", context)


@login_required
@require_POST
def accept_statement(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(signed_in_user(request), pk)
    try:
        statements.accept_statement(version=version, user=signed_in_user(request))
    except CovenantRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Statement accepted.")
    return redirect("statement_detail", pk=version.pk)


@login_required
def compliance_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate as submitted, or with `?as=accepted` as rendered once accepted."""
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    version = certificate.statement_version
    document: ComplianceCertificate | AcceptedCertificate = certificate
    suffix = ""
    if request.GET.get("as") == "accepted":
        accepted = AcceptedCertificate.objects.filter(certificate=certificate).first()
        if accepted is None:
            raise Http404("Not rendered as accepted (yet)")
        document, suffix = accepted, "-accepted"
    name = f"compliance-{version.statement.period_end}-v{version.version}{suffix}.pdf"
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-SHA256"] = document.sha256
    return response
