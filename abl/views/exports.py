"""Downloads of a certificate: its PDF, and its full detail as one XLSX (a summary and three
sheets) or one CSV per list.

The computation shown is the drill-down's (`?computation=` one of this
certificate's, else the current one); abl/exports.py writes the files. The XLSX
is written by a worker once asked for (abl/services/exports.py) and served from
storage; the CSVs stream as they are written.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from abl import exports
from abl.access import get_certificate_for_user, signed_in_user
from abl.models import Certificate, CertificateExport
from abl.services.documents import document_state, render_certificate_document
from abl.services.exports import request_certificate_export
from abl.views.drilldown import shown_computation
from abl.views.presenters import export_panel

CSV_TABLES = {"invoices": 0, "customers": 1, "inventory": 2}


def _name(certificate: Certificate, what: str, suffix: str) -> str:
    return f"{certificate.facility.slug}-{certificate.as_of}-certificate-{certificate.pk}-{what}.{suffix}"


def _page(certificate: Certificate) -> str:
    return reverse("certificate_detail", args=[certificate.pk]) + "#exports"


@login_required
def certificate_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The spreadsheet once a worker has written it; until then, the page that asks for it."""
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    computation = shown_computation(request, certificate)
    export = CertificateExport.objects.filter(computation=computation).first()
    if export is None or not export.available:
        return redirect(_page(certificate))
    try:
        stored = export.stored.open("rb")
    except FileNotFoundError:  # gone since it was looked for: the page offers to write it again
        return redirect(_page(certificate))
    return FileResponse(
        stored,
        as_attachment=True,
        filename=_name(certificate, f"computation-{computation.pk}", "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_POST
def prepare_certificate_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a worker to write the spreadsheet (once per computation)."""
    user = signed_in_user(request)
    certificate = get_certificate_for_user(user, pk)
    computation = shown_computation(request, certificate)
    request_certificate_export(certificate=certificate, computation=computation, actor=user)
    return redirect(_page(certificate))


@login_required
def certificate_xlsx_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The spreadsheet panel alone: htmx polls it while the worker writes."""
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    computation = shown_computation(request, certificate)
    return render(request, "abl/_export.html", export_panel(certificate, computation))


@login_required
def certificate_csv(request: HttpRequest, pk: int, table: str) -> StreamingHttpResponse:
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    computation = shown_computation(request, certificate)
    if table not in CSV_TABLES:
        raise Http404("No such list")
    chosen = exports.tables(certificate, computation)[CSV_TABLES[table]]
    response = StreamingHttpResponse(
        exports.csv_chunks(chosen), content_type="text/csv; charset=utf-8"
    )
    name = _name(certificate, f"computation-{computation.pk}-{table}", "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate's PDF in its present state (DRAFT until approved); 404 for a draft."""
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    if document_state(certificate) is None:
        raise Http404("A certificate has a PDF once it is submitted")
    document = render_certificate_document(certificate_id=certificate.pk)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    name = _name(certificate, document.state, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
