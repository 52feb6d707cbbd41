"""The certificate's XLSX over the API (§16 c): asked for through the page's service and
written by its worker, its progress, the stored file downloaded; as the page, for whoever
may see the certificate."""

import io

import openpyxl
import pytest

from abl.models import AuditEvent, CertificateExport
from tests.abl.api.conftest import api_client

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(certificate):
    return f"/api/v1/certificates/{certificate.pk}/export/"


def _xlsx(certificate):
    return f"/api/v1/certificates/{certificate.pk}/export.xlsx"


def _downloaded(client, certificate) -> int:
    """The download's status, its file read to the end and closed."""
    response = client.get(_xlsx(certificate))
    if response.streaming:
        b"".join(response.streaming_content)
    response.close()
    return response.status_code


def test_asking_queues_the_pages_export_once(approved, cfo, django_capture_on_commit_callbacks):
    client = api_client(cfo)

    with django_capture_on_commit_callbacks():  # queued, no worker runs
        first = client.post(_export(approved))
        again = client.post(_export(approved))

    export = CertificateExport.objects.get()
    assert first.status_code == again.status_code == 202
    assert (
        first.json()
        == again.json()
        == {
            "computation": approved.current_id,
            "status": "queued",
            "rows_written": 0,
            "rows_total": export.rows_total,
            "problem": "",
            "download": None,
        }
    )
    assert export.computation_id == approved.current_id
    # asking twice is harmless, as on the page: one export, asked for once
    assert AuditEvent.objects.filter(action="certificate.export_requested").count() == 1


def test_state_then_download_read_back(approved, abl_analyst, django_capture_on_commit_callbacks):
    client = api_client(abl_analyst)
    assert client.get(_export(approved)).status_code == 404  # never asked for

    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(_export(approved))
    state = client.get(_export(approved))

    assert asked.status_code == 202
    assert state.status_code == 200
    body = state.json()
    assert body["status"] == "ready"
    assert body["rows_written"] == body["rows_total"] > 0
    assert body["download"] == (
        f"http://testserver{_xlsx(approved)}?computation={approved.current_id}"
    )

    response = client.get(body["download"])
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    response.close()
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert {"Invoices", "Customers", "Inventory"} <= set(workbook.sheetnames)
    invoices = list(workbook["Invoices"].iter_rows(values_only=True))
    assert len(invoices) > 1


def test_download_before_it_is_written_is_a_409_problem(
    approved, cfo, django_capture_on_commit_callbacks
):
    client = api_client(cfo)
    assert client.get(_xlsx(approved)).status_code == 404  # never asked for

    with django_capture_on_commit_callbacks():  # queued, no worker runs
        client.post(_export(approved))
    response = client.get(_xlsx(approved))

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/conflict")
    assert "not ready yet" in response.json()["detail"]


def test_a_lost_file_is_a_409_and_asking_again_writes_it(
    approved, cfo, django_capture_on_commit_callbacks
):
    client = api_client(cfo)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_export(approved))
    export = CertificateExport.objects.get()
    export.stored.storage.delete(export.stored.name)

    assert client.get(_export(approved)).json()["download"] is None
    assert client.get(_xlsx(approved)).status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_export(approved)).status_code == 202
    assert _downloaded(client, approved) == 200


def test_another_borrowers_certificate_is_not_found(approved, other_cfo):
    client = api_client(other_cfo)

    asked = client.post(_export(approved))

    assert asked.status_code == 404
    assert client.get(_export(approved)).status_code == 404
    assert client.get(_xlsx(approved)).status_code == 404
    assert not CertificateExport.objects.exists()


def test_a_read_only_token_reads_but_does_not_ask(
    approved, cfo, django_capture_on_commit_callbacks
):
    writer, reader = api_client(cfo), api_client(cfo, read_only=True)

    refused = reader.post(_export(approved))
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert not CertificateExport.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        writer.post(_export(approved))
    assert reader.get(_export(approved)).json()["status"] == "ready"
    assert _downloaded(reader, approved) == 200


def test_a_computation_not_the_certificates_is_not_found(approved, cfo):
    response = api_client(cfo).post(_export(approved) + "?computation=999999999")

    assert response.status_code == 404
    assert not CertificateExport.objects.exists()
