"""Downloads of a certificate's full detail: one XLSX of three sheets, or one CSV per list.

The computation shown is the drill-down's (`?computation=` one of this
certificate's, else the current one); abl/exports.py writes the files.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse

from abl import exports
from abl.access import get_certificate_for_user
from abl.models import Certificate
from abl.views.drilldown import shown_computation
from abl.views.home import _user

CSV_TABLES = {"invoices": 0, "customers": 1, "inventory": 2}


def _name(certificate: Certificate, what: str, suffix: str) -> str:
    return f"{certificate.facility.slug}-{certificate.as_of}-certificate-{certificate.pk}-{what}.{suffix}"


@login_required
def certificate_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    certificate = get_certificate_for_user(_user(request), pk)
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
    certificate = get_certificate_for_user(_user(request), pk)
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
