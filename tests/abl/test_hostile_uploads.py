"""Hostile files uploaded on the borrower's page (tests/abl/hostile_files.py, the catalogue).

A refused file leaves its record (its exact problems, no bytes) and its draft,
and nothing else: no row, no stored byte, no computation. Discarding the draft
frees its as-of date. The accepted oddities keep their text exactly and the
pages show it escaped.
"""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.html import escape

from abl.models import (
    Certificate,
    CollateralFile,
    Computation,
    CustomerLine,
    InventoryItem,
    Invoice,
    Payable,
)
from abl.services import collateral
from tests.abl.conftest import AGING
from tests.abl.hostile_files import ACCEPTED, AS_OF, BY_ID, REFUSED, Case, declared_ratio

pytestmark = pytest.mark.django_db


def _post(client, facility, name, content, capture):
    with capture(execute=True):
        return client.post(
            f"/facilities/{facility.pk}/report/",
            {"as_of": AS_OF, "outstanding": "0", "receivables": SimpleUploadedFile(name, content)},
        )


def _upload(client, facility, user, case: Case, capture, settings):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    client.force_login(user)
    return _post(client, facility, case.filename, case.build(), capture)


def media_files(settings) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def kept_rows() -> tuple[int, int, int, int]:
    """Invoices, inventory items, payables and computations in the database."""
    return (
        Invoice.objects.count(),
        InventoryItem.objects.count(),
        Payable.objects.count(),
        Computation.objects.count(),
    )


def as_stored(case: Case) -> list[dict[str, object]]:
    assert case.problems is not None
    return [{"row": r, "column": c, "message": m} for r, c, m in case.problems]


def as_listed(row: int | None, column: str | None, message: str) -> str:
    """A problem as the files panel lists it (templates/abl/_files.html), escaped."""
    where = f"Row {row}, column “{column}”: " if row and column else f"Row {row}: " if row else ""
    return f"<li>{escape(where + message)}</li>"


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.id)
def test_a_hostile_upload_is_refused_with_its_exact_problems_and_nothing_kept(
    client, innotrac, cfo, settings, django_capture_on_commit_callbacks, case
):
    response = _upload(client, innotrac, cfo, case, django_capture_on_commit_callbacks, settings)

    draft = Certificate.objects.get()
    refused = CollateralFile.objects.get()
    assert response.status_code == 302
    assert (draft.status, draft.as_of.isoformat(), draft.current) == ("draft", AS_OF, None)
    assert (refused.status, refused.stored.name, refused.original_name) == (
        "refused",
        "",
        case.filename,
    )
    assert (refused.problems, refused.more_problems) == (as_stored(case), 0)
    assert kept_rows() == (0, 0, 0, 0)
    assert media_files(settings) == []
    panel = client.get(f"/certificates/{draft.pk}/files/").content.decode()
    assert [as_listed(*p) for p in case.problems or () if as_listed(*p) not in panel] == []
    assert "<img src=x" not in panel


@pytest.mark.parametrize("case", [BY_ID["nul-after-64-kb"], BY_ID["html-in-the-file-name"]])
def test_the_draft_of_a_refused_upload_is_discarded_and_its_date_is_free(
    client, innotrac, cfo, settings, django_capture_on_commit_callbacks, case
):
    _upload(client, innotrac, cfo, case, django_capture_on_commit_callbacks, settings)
    draft = Certificate.objects.get()

    response = client.post(f"/certificates/{draft.pk}/discard/", {"reason": "wrong file"})

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.status == Certificate.Status.DISCARDED
    assert CollateralFile.objects.get().status == CollateralFile.Status.REFUSED
    assert media_files(settings) == []
    assert kept_rows() == (0, 0, 0, 0)
    again = collateral.open_draft(facility=innotrac, as_of=dt.date(2003, 3, 31), actor=cfo)
    assert (again.pk != draft.pk, again.status) == (True, Certificate.Status.DRAFT)


@pytest.mark.parametrize(
    "case",
    [
        BY_ID[name]
        for name in (
            "png-named-csv",
            "nul-after-64-kb",
            "two-amount-columns",
            "ragged-row",
            "invoice-after-the-as-of-date",
            "undeclared-zip-bomb",
        )
    ],
    ids=lambda case: case.id,
)
def test_a_hostile_replacement_on_the_certificate_page_leaves_the_accepted_file_as_it_was(
    client, innotrac, cfo, settings, django_capture_on_commit_callbacks, case
):
    client.force_login(cfo)
    _post(client, innotrac, "web.csv", AGING.encode(), django_capture_on_commit_callbacks)
    draft = Certificate.objects.get()
    accepted = draft.files.get()
    before = (draft.current_id, kept_rows(), media_files(settings))
    for name, value in case.settings.items():
        setattr(settings, name, value)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/certificates/{draft.pk}/files/replace/",
            {
                "kind": "receivables",
                "file": SimpleUploadedFile(case.filename, case.build()),
                "replace": "on",
            },
        )

    draft.refresh_from_db()
    refused = draft.files.exclude(pk=accepted.pk).get()
    assert response.status_code == 302
    assert (refused.status, refused.stored.name, refused.problems) == (
        "refused",
        "",
        as_stored(case),
    )
    assert draft.files.get(pk=accepted.pk).status == CollateralFile.Status.ACCEPTED
    assert (draft.current_id, kept_rows(), media_files(settings)) == before


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda case: case.id)
def test_an_odd_but_valid_upload_is_accepted_and_its_names_kept_exactly(
    client, innotrac, cfo, settings, django_capture_on_commit_callbacks, case
):
    _upload(client, innotrac, cfo, case, django_capture_on_commit_callbacks, settings)

    accepted = CollateralFile.objects.get()
    certificate = Certificate.objects.get()
    lines = CustomerLine.objects.filter(computation=certificate.current)
    assert (accepted.status, accepted.problems) == ("accepted", [])
    assert accepted.sha256 == hashlib.sha256(case.build()).hexdigest()
    assert media_files(settings) == [Path(accepted.stored.path)]
    assert dict(lines.values_list("customer_id", "customer_name")) == case.names
    for customer, name in case.names.items():
        page = client.get(f"/certificates/{certificate.pk}/customers/{customer}/")
        assert escape(name) in page.content.decode()


def test_a_script_in_a_name_is_shown_escaped_on_the_drill_down(
    client, innotrac, cfo, settings, django_capture_on_commit_callbacks
):
    case = BY_ID["formulas-and-html-in-names"]
    _upload(client, innotrac, cfo, case, django_capture_on_commit_callbacks, settings)
    certificate = Certificate.objects.get()

    pages = [
        client.get(f"/certificates/{certificate.pk}/customers/X/").content.decode(),
        client.get(f"/certificates/{certificate.pk}/receivables/").content.decode(),
    ]

    for page in pages:
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_zip_bomb_refused_without_inflating(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    # A workbook that says what it is: 50 MiB of zeros, under the default
    # 500 MiB limit but compressed far beyond 100 to 1.
    bomb = BY_ID["declared-zip-bomb"]
    client.force_login(cfo)

    _post(client, innotrac, "aging.xlsx", bomb.build(), django_capture_on_commit_callbacks)

    refused = CollateralFile.objects.get()
    assert refused.problems == [
        {
            "row": None,
            "column": None,
            "message": f"aging.xlsx is compressed {declared_ratio(bomb.build())} to 1; "
            "the limit is 100 to 1 (refused as a possible zip bomb).",
        }
    ]
    assert kept_rows() == (0, 0, 0, 0)


def test_too_many_rows_refused(client, innotrac, cfo, django_capture_on_commit_callbacks, settings):
    settings.ABL_UPLOAD_MAX_ROWS = 3
    client.force_login(cfo)

    _post(client, innotrac, "aging.csv", AGING.encode(), django_capture_on_commit_callbacks)

    assert CollateralFile.objects.get().problems == [
        {"row": None, "column": None, "message": "aging.csv has 7 data rows; the limit is 3."}
    ]
    assert kept_rows() == (0, 0, 0, 0)


def test_too_large_refused_by_the_form(
    client, innotrac, cfo, django_capture_on_commit_callbacks, settings
):
    settings.ABL_UPLOAD_MAX_BYTES = 10
    client.force_login(cfo)

    response = _post(client, innotrac, "aging.csv", b"x" * 11, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "aging.csv is 11 bytes; the limit is 10." in response.content.decode()
    assert (Certificate.objects.count(), CollateralFile.objects.count()) == (0, 0)
    assert media_files(settings) == []


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
    with pytest.raises(collateral.UploadRefused) as refused:
        _receive_aging_then_an_empty_file(innotrac, cfo)

    assert str(refused.value) == "inventory.csv is empty."

    assert Certificate.objects.count() == 0
    assert CollateralFile.objects.count() == 0
    assert media_files(settings) == []


def _store_then_fail_after_the_commit(names: list[str]) -> None:
    from types import SimpleNamespace

    from django.core.files.storage import default_storage

    def fail_after_the_commit() -> None:
        raise RuntimeError("a task run on commit failed")

    with collateral.files_kept_only_on_success(), transaction.atomic():
        name = default_storage.save("aging.csv", ContentFile(AGING.encode()))
        collateral.keep_only_on_success(SimpleNamespace(storage=default_storage, name=name))
        names.append(name)
        transaction.on_commit(fail_after_the_commit)


def test_bytes_whose_row_committed_stay_when_a_callback_after_the_commit_fails(transactional_db):
    """A callback run on commit that raises (a task sent in-process, say) fails the block after
    the rows committed: the bytes stay with their rows (a refusal before it takes them back,
    test_a_refused_second_file_takes_back_the_first_files_bytes)."""
    from django.core.files.storage import default_storage

    names: list[str] = []

    with pytest.raises(RuntimeError, match="a task run on commit failed"):
        _store_then_fail_after_the_commit(names)

    with default_storage.open(names[0]) as stored:
        assert stored.read().decode() == AGING
