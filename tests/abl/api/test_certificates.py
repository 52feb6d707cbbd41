"""Certificates over the API (§16 c): a draft opened once per key, a file uploaded through the
upload page's service and limits, its progress, certifying, review, the PDF."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.models import Certificate, CollateralFile
from tests.abl.api.conftest import api_client
from tests.abl.conftest import AGING

pytestmark = pytest.mark.django_db

AS_OF = "2003-03-31"
AGING_BYTES = AGING.encode()


def _open(client, facility, key="draft-1", as_of=AS_OF):
    return client.post(
        f"/api/v1/facilities/{facility.pk}/certificates/",
        {"as_of": as_of},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def _upload(client, certificate_id, content=AGING_BYTES, name="aging.csv", **extra):
    return client.post(
        f"/api/v1/certificates/{certificate_id}/files/",
        {"kind": "receivables", "file": SimpleUploadedFile(name, content), **extra},
    )


def test_borrower_opens_a_draft_once_per_key(innotrac, cfo):
    client = api_client(cfo)

    first = _open(client, innotrac)
    again = _open(client, innotrac)

    assert first.status_code == 201
    assert again.json() == first.json()
    assert first.json() == {
        "id": Certificate.objects.get().pk,
        "facility": innotrac.pk,
        "as_of": AS_OF,
        "status": "draft",
        "reported_outstanding": None,
        "figures": None,
    }


def test_opening_a_draft_needs_a_key(innotrac, cfo):
    response = _open(api_client(cfo), innotrac, key="")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("role", ["abl_analyst", "rm", "administrator"])
def test_only_the_borrower_opens_a_draft(request, innotrac, role):
    response = _open(api_client(request.getfixturevalue(role)), innotrac)

    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_upload_is_processed_and_the_figures_are_the_pages(
    innotrac, cfo, django_capture_on_commit_callbacks
):
    client = api_client(cfo)
    draft = _open(client, innotrac).json()

    with django_capture_on_commit_callbacks(execute=True):
        uploaded = _upload(client, draft["id"])
    files = client.get(f"/api/v1/certificates/{draft['id']}/files/").json()["results"]
    detail = client.get(f"/api/v1/certificates/{draft['id']}/").json()

    assert uploaded.status_code == 202
    assert [(f["kind"], f["status"], f["row_count"]) for f in files] == [
        ("receivables", "accepted", 7)
    ]
    assert detail["figures"] == Certificate.objects.get().current.figures
    assert detail["figures"]["eligible_receivables"] == "642500.00"


def test_upload_keeps_the_pages_size_limit(innotrac, cfo, settings):
    settings.ABL_UPLOAD_MAX_BYTES = 10
    client = api_client(cfo)
    draft = _open(client, innotrac).json()

    response = _upload(client, draft["id"], content=b"x" * 11)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "receivables", "message": "aging.csv is 11 bytes; the limit is 10."}
    ]
    assert not CollateralFile.objects.exists()


def test_upload_keeps_the_pages_row_limit(
    innotrac, cfo, settings, django_capture_on_commit_callbacks
):
    settings.ABL_UPLOAD_MAX_ROWS = 3
    client = api_client(cfo)
    draft = _open(client, innotrac).json()

    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, draft["id"])
    (refused,) = client.get(f"/api/v1/certificates/{draft['id']}/files/").json()["results"]

    assert refused["status"] == "refused"
    assert refused["problems"] == [
        {"row": None, "column": None, "message": "aging.csv has 7 data rows; the limit is 3."}
    ]


def test_upload_without_a_file_names_the_field(innotrac, cfo):
    client = api_client(cfo)
    draft = _open(client, innotrac).json()

    response = client.post(f"/api/v1/certificates/{draft['id']}/files/", {"kind": "receivables"})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "file", "message": "No file was submitted."}]


def test_certify_then_review_then_pdf(
    innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    borrower, analyst = api_client(cfo), api_client(abl_analyst)
    draft = _open(borrower, innotrac).json()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(borrower, draft["id"])

    certified = borrower.post(
        f"/api/v1/certificates/{draft['id']}/certify/",
        {"name": "David Gamsey", "title": "CFO"},
        content_type="application/json",
    )
    returned_without_reason = analyst.post(
        f"/api/v1/certificates/{draft['id']}/review/",
        {"decision": "return"},
        content_type="application/json",
    )
    approved = analyst.post(
        f"/api/v1/certificates/{draft['id']}/review/",
        {"decision": "approve"},
        content_type="application/json",
    )
    pdf = borrower.get(f"/api/v1/certificates/{draft['id']}/certificate.pdf")

    assert certified.json()["status"] == "submitted"
    assert returned_without_reason.status_code == 400
    assert returned_without_reason.json()["detail"] == (
        "Say what the borrower must change: a comment is required to return."
    )
    assert approved.json()["status"] == "approved"
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_borrower_does_not_review(innotrac, cfo):
    certificate = Certificate.objects.create(
        facility=innotrac, as_of=dt.date(2003, 3, 31), created_by=cfo
    )

    response = api_client(cfo).post(
        f"/api/v1/certificates/{certificate.pk}/review/",
        {"decision": "approve"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Only an ABL analyst can review certificates."


def test_a_draft_has_no_pdf(innotrac, cfo):
    draft = _open(api_client(cfo), innotrac).json()

    assert (
        api_client(cfo).get(f"/api/v1/certificates/{draft['id']}/certificate.pdf").status_code
        == 404
    )


def test_another_borrowers_certificate_answers_404(innotrac, cfo, other_cfo):
    draft = _open(api_client(cfo), innotrac).json()
    other = api_client(other_cfo)

    for page in ("", "files/", "certificate.pdf"):
        assert other.get(f"/api/v1/certificates/{draft['id']}/{page}").status_code == 404
    assert _upload(other, draft["id"]).status_code == 404
    assert not CollateralFile.objects.exists()
