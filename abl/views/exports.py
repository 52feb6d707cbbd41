"""Downloads of a certificate: its PDF, and its full detail as one XLSX of three sheets or one
CSV per list.

The computation shown is the drill-down's (`?computation=` one of this
certificate's, else the current one); abl/exports.py writes the files.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from abl import exports
from abl.access import get_certificate_for_user, signed_in_user
from abl.models import Certificate
from abl.services.documents import document_state, render_certificate_document
from abl.views.drilldown import shown_computation

CSV_TABLES = {"invoices": 0, "customers": 1, "inventory": 2}


def _name(certificate: Certificate, what: str, suffix: str) -> str:
    return f"{certificate.facility.slug}-{certificate.as_of}-certificate-{certificate.pk}-{what}.{suffix}"


@login_required
def certificate_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    certificate = get_certificate_for_user(signed_in_user(request), pk)
    computation = shown_computation(request, certificate)
    handle = exports.write_xlsx(exports.tables(certificate, computation))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_name(certificate, f"computation-{computation.pk}", "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


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
