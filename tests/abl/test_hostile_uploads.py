"""Hostile and malformed uploads are refused with a message, and nothing is saved."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from abl.models import Certificate, CollateralFile, Invoice
from abl.services import collateral
from tests.abl.conftest import AGING

pytestmark = pytest.mark.django_db


def _post(client, facility, name, content, capture):
    with capture(execute=True):
        return client.post(
            f"/facilities/{facility.pk}/report/",
            {
                "as_of": "2003-03-31",
                "outstanding": "0",
                "receivables": SimpleUploadedFile(name, content),
            },
        )


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return buffer.getvalue()


def _refusal(client, facility, name, content, capture) -> str:
    response = _post(client, facility, name, content, capture)
    if response.status_code == 200:  # refused by the form itself
        return response.content.decode()
    refused = CollateralFile.objects.get()
    assert refused.status == CollateralFile.Status.REFUSED
    assert not refused.stored
    return " ".join(p["message"] for p in refused.problems)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("aging.csv", b"", "empty"),
        ("aging.xlsx", b"customer_id,amount\nA,1\n", "not an Excel workbook"),
        ("aging.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not"),
        ("aging.exe", b"MZ\x90\x00", "not"),
        ("aging.csv", b"Customer ID,Customer Name,Invoice #,Inv Date,Amount\n", "no data rows"),
    ],
)
def test_malformed_upload_refused_and_nothing_saved(
    client, innotrac, cfo, django_capture_on_commit_callbacks, name, content, message
):
    client.force_login(cfo)

    text = _refusal(client, innotrac, name, content, django_capture_on_commit_callbacks)

    assert message in text
    assert Invoice.objects.count() == 0
    assert not Certificate.objects.filter(current__isnull=False).exists()


def test_zip_bomb_refused_without_inflating(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    client.force_login(cfo)

    text = _refusal(client, innotrac, "aging.xlsx", _zip_bomb(), django_capture_on_commit_callbacks)

    assert "compress" in text.lower()
    assert Invoice.objects.count() == 0


def test_too_many_rows_refused(client, innotrac, cfo, django_capture_on_commit_callbacks, settings):
    from tests.abl.conftest import AGING

    settings.ABL_UPLOAD_MAX_ROWS = 3
    client.force_login(cfo)

    text = _refusal(
        client, innotrac, "aging.csv", AGING.encode(), django_capture_on_commit_callbacks
    )

    assert "3" in text
    assert Invoice.objects.count() == 0


def test_too_large_refused_by_the_form(
    client, innotrac, cfo, django_capture_on_commit_callbacks, settings
):
    settings.ABL_UPLOAD_MAX_BYTES = 10
    client.force_login(cfo)

    response = _post(client, innotrac, "aging.csv", b"x" * 11, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "the limit is 10" in response.content.decode()
    assert CollateralFile.objects.count() == 0


def test_analyst_cannot_upload(client, innotrac, abl_analyst, django_capture_on_commit_callbacks):
    client.force_login(abl_analyst)

    response = _post(client, innotrac, "aging.csv", b"a", django_capture_on_commit_callbacks)

    assert response.status_code == 404


def _receive_aging_then_an_empty_file(facility, user) -> None:
    with collateral.files_kept_only_on_success(), transaction.atomic():
        draft = collateral.open_draft(facility=facility, as_of=dt.date(2003, 3, 31), actor=user)
        collateral.receive_file(
            certificate=draft,
            kind=CollateralFile.Kind.RECEIVABLES,
            upload=ContentFile(AGING.encode(), name="aging.csv"),
            actor=user,
        )
        collateral.receive_file(
            certificate=draft,
            kind=CollateralFile.Kind.INVENTORY,
            upload=ContentFile(b"", name="inventory.csv"),
            actor=user,
        )


def test_a_refused_second_file_takes_back_the_first_files_bytes(innotrac, cfo, settings):
    with pytest.raises(collateral.UploadRefused, match="empty"):
        _receive_aging_then_an_empty_file(innotrac, cfo)

    assert Certificate.objects.count() == 0
    assert CollateralFile.objects.count() == 0
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []
