"""Nothing a signed-in user sees, and no download, is kept by a cache: `Cache-Control:
private, no-store` (config.middleware.NoStoreMiddleware). A public page keeps no such header,
and static files keep their long cache (tests/test_production_pages.py)."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from abl.models import Certificate
from abl.services import certificates, exports
from config.middleware import NoStoreMiddleware
from tests.abl.conftest import AGING, post_report
from tests.abl.test_exports import INVENTORY

pytestmark = pytest.mark.django_db

NO_STORE = {"private", "no-store"}


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def submitted(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    post_report(
        client, innotrac, django_capture_on_commit_callbacks, receivables=AGING, inventory=INVENTORY
    )
    submitted = certificates.submit_certificate(
        certificate=Certificate.objects.get(),
        actor=cfo,
        name="David Gamsey",
        title="Chief Financial Officer",
    )
    # The spreadsheet is written by the worker once asked for: ask, and write it here.
    with django_capture_on_commit_callbacks(execute=False):
        export = exports.request_certificate_export(
            certificate=submitted, computation=submitted.current, actor=cfo
        )
    exports.build_certificate_export(export_id=export.pk)
    return submitted


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
DOWNLOADS = {
    "/certificates/{cert}/certificate.pdf": "application/pdf",
    "/certificates/{cert}/export.xlsx": XLSX,
    "/certificates/{cert}/export/invoices.csv": CSV,
    "/certificates/{cert}/export/inventory.csv": CSV,
    "/facilities/{facility}/templates/receivables.csv": CSV,
    "/facilities/{facility}/templates/inventory.xlsx": XLSX,
}


def test_every_kind_of_download_is_no_store(client, submitted):
    answered = {}
    for path in DOWNLOADS:
        response = client.get(path.format(cert=submitted.pk, facility=submitted.facility_id))
        if response.streaming:  # read to the end: the test client then closes it
            b"".join(response.streaming_content)
        attachment = response["Content-Disposition"].startswith("attachment")
        answered[path] = (response.status_code, response["Content-Type"], attachment)
        assert _directives(response) == NO_STORE, path

    assert answered == {path: (200, kind, True) for path, kind in DOWNLOADS.items()}


def test_signed_in_pages_and_refusals_are_no_store(client, facility, borrower_user):
    client.force_login(borrower_user)
    paths = ["/", "/facilities/", f"/facilities/{facility.pk}/", "/account/", "/certificates/0/"]

    answered = {path: client.get(path) for path in paths}

    assert {path: r.status_code for path, r in answered.items()} == {
        "/": 200,
        "/facilities/": 200,
        f"/facilities/{facility.pk}/": 200,
        "/account/": 200,
        "/certificates/0/": 404,
    }
    assert {path: _directives(r) for path, r in answered.items()} == dict.fromkeys(paths, NO_STORE)


def test_the_admin_is_no_store_for_a_signed_in_administrator(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "no-store" in _directives(response)
    assert "private" in _directives(response)


def test_an_answer_to_nobody_signed_in_is_not_marked(client):
    response = client.get("/facilities/")

    assert response.status_code == 302
    assert "Cache-Control" not in response


def test_a_download_to_nobody_signed_in_is_no_store_too():
    def attachment(request):
        response = HttpResponse(b"a,b\n", content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="x.csv"'
        return response

    request = RequestFactory().get("/somewhere.csv")  # no user at all

    response = NoStoreMiddleware(attachment)(request)

    assert _directives(response) == NO_STORE
