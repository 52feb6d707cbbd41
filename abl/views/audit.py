"""The audit trail: filtered, searched, paged, and exported as CSV; for analysts and admins."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from abl import business_date
from abl.access import require_role, signed_in_user
from abl.audit_export import audit_csv_chunks
from abl.audit_filters import AuditFilter
from abl.models import AuditEvent, Role

PAGE_SIZE = 50


def _filtered(request: HttpRequest) -> AuditFilter:
    require_role(signed_in_user(request), Role.ANALYST, Role.ADMIN)
    events = AuditEvent.objects.select_related("facility")
    return AuditFilter(request.GET or None, queryset=events)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    found = _filtered(request)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": found, "page": page, "query": query.urlencode()}
    return render(request, "abl/audit_list.html", context)


@login_required
def audit_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered events as CSV, streamed; a filter that does not read shows the page instead."""
    found = _filtered(request)
    if found.is_bound and not found.is_valid():
        return audit_list(request)
    response = StreamingHttpResponse(
        audit_csv_chunks(found.qs), content_type="text/csv; charset=utf-8"
    )
    name = f"audit-trail-{business_date.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
