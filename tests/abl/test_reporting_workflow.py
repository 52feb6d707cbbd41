"""Reporting collateral through one service: who reports, replacing explicitly, discarding.

`collateral.report_collateral` is what the upload page, the certificate page's
add/replace form and `submit_borrowing_base` call. Tasks queued on commit do
not run here unless a test runs them; it drives processing itself, in the
order it needs.
"""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from abl import access
from abl.models import AuditEvent, Certificate, CollateralFile, Invoice
from abl.reading import read_collateral
from abl.services import certificates, collateral
from abl.services.collateral import UploadRefused
from abl.services.processing import acceptance, claims
from tests.abl.conftest import AGING
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2003, 3, 31)
Status = CollateralFile.Status
# The hand-worked aging with ACME's current invoice halved: gross 1,195,000.00.
CORRECTED = AGING.replace('AC-1,2003-03-01,,"100,000.00"', 'AC-1,2003-03-01,,"50,000.00"')
# 2003-04-01 10:02 in New York (TIME_ZONE).
UPLOADED_AT = dt.datetime(2003, 4, 1, 15, 2, tzinfo=dt.UTC)
NOTICE = "This replaces receivables.csv uploaded on 2003-04-07 by dgamsey."  # the business date


@pytest.fixture(autouse=True)
def _business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"


def _aging(text: str = AGING, name: str = "receivables.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def _report(facility, user, text: str = AGING, **options) -> Certificate:
    """Report an aging; its processing is queued on commit, which never comes here."""
    return collateral.report_collateral(
        facility=facility,
        actor=user,
        as_of=options.pop("as_of", AS_OF),
        reported_outstanding=options.pop("reported_outstanding", None),
        files={"receivables": _aging(text, options.pop("name", "receivables.csv"))},
        **options,
    )


def _process_all(certificate: Certificate) -> None:
    for file_id in certificate.files.filter(status=Status.QUEUED).values_list("pk", flat=True):
        acceptance.process_collateral_file(file_id=file_id)


def _stored_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.fixture
def reported(innotrac, cfo):
    """A draft with receivables.csv accepted, uploaded at 2003-04-01 10:02."""
    with time_machine.travel(UPLOADED_AT, tick=False):
        certificate = _report(innotrac, cfo)
    _process_all(certificate)
    return certificate


# Who reports


def test_may_report_only_a_user_of_the_facilitys_borrower(innotrac, cfo, abl_analyst):
    other_borrower = UserFactory(role="borrower")

    assert access.may_report(cfo, innotrac) is True
    assert access.may_report(abl_analyst, innotrac) is False
    assert access.may_report(other_borrower, innotrac) is False


def test_report_by_bank_user_refused_and_saves_nothing(innotrac, abl_analyst, settings):
    with pytest.raises(UploadRefused) as refused:
        _report(innotrac, abl_analyst)

    assert str(refused.value) == "Only a user of Innotrac Corporation reports its collateral."
    assert Certificate.objects.count() == 0
    assert _stored_files(settings) == []


def test_upload_page_is_404_for_bank_user(client, innotrac, abl_analyst):
    client.force_login(abl_analyst)

    assert client.get(f"/facilities/{innotrac.pk}/report/").status_code == 404


def test_report_negative_outstanding_refused_on_the_field(innotrac, cfo):
    with pytest.raises(UploadRefused) as refused:
        _report(innotrac, cfo, reported_outstanding=-1)

    assert (str(refused.value), refused.value.field) == (
        "The loans outstanding cannot be negative (-1).",
        "reported_outstanding",
    )
    assert Certificate.objects.count() == 0


# Replacing is explicit; the last file uploaded wins


def test_replace_refused_without_confirmation_names_file_and_time(
    reported, innotrac, cfo, settings
):
    files_before = _stored_files(settings)
    events_before = AuditEvent.objects.count()

    with pytest.raises(UploadRefused) as refused:
        _report(innotrac, cfo, CORRECTED, name="corrected.csv")

    assert (str(refused.value), refused.value.field) == (NOTICE, "replace")
    assert list(reported.files.values_list("original_name", "status")) == [
        ("receivables.csv", Status.ACCEPTED)
    ]
    assert AuditEvent.objects.count() == events_before
    assert _stored_files(settings) == files_before


def test_replace_confirmed_uses_the_new_file_and_sets_the_old_aside(reported, innotrac, cfo):
    old = reported.files.get()

    certificate = _report(innotrac, cfo, CORRECTED, name="corrected.csv", replace=True)
    _process_all(certificate)

    old.refresh_from_db()
    new = certificate.files.get(original_name="corrected.csv")
    certificate.refresh_from_db()
    assert certificate.pk == reported.pk
    assert (old.status, new.status) == (Status.REPLACED, Status.ACCEPTED)
    assert certificate.current.figures["gross_receivables"] == "1195000.00"
    assert Invoice.objects.filter(file=old).count() == 0
    assert AuditEvent.objects.get(action="collateral.replacement_confirmed").summary == NOTICE


def test_two_uploads_where_the_older_finishes_last_use_the_newer(innotrac, cfo):
    certificate = _report(innotrac, cfo, AGING, name="first.csv")
    _report(innotrac, cfo, CORRECTED, name="second.csv", replace=True)
    first = certificate.files.get(original_name="first.csv")
    second = certificate.files.get(original_name="second.csv")

    acceptance.process_collateral_file(file_id=second.pk)
    acceptance.process_collateral_file(file_id=first.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    certificate.refresh_from_db()
    assert (first.status, second.status) == (Status.REPLACED, Status.ACCEPTED)
    assert certificate.current.figures["gross_receivables"] == "1195000.00"
    assert Invoice.objects.filter(file=first).count() == 0


def test_upload_page_refuses_replacement_on_the_confirm_box(client, reported, innotrac, cfo):
    client.force_login(cfo)
    data = {"as_of": "2003-03-31", "outstanding": "0", "receivables": _aging(CORRECTED)}

    response = client.post(f"/facilities/{innotrac.pk}/report/", data)

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors == {"replace": [NOTICE]}
    assert 'data-testid="confirm-replace"' in page
    assert reported.files.count() == 1


def test_upload_page_with_confirmation_replaces(
    client, reported, innotrac, cfo, django_capture_on_commit_callbacks
):
    client.force_login(cfo)
    data = {
        "as_of": "2003-03-31",
        "outstanding": "0",
        "receivables": _aging(CORRECTED),
        "replace": "on",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/facilities/{innotrac.pk}/report/", data)

    reported.refresh_from_db()
    assert response.status_code == 302
    assert sorted(reported.files.values_list("status", flat=True)) == [
        Status.ACCEPTED,
        Status.REPLACED,
    ]
    assert reported.current.figures["gross_receivables"] == "1195000.00"


def test_certificate_page_shows_the_file_each_kind_would_replace(client, reported, cfo):
    client.force_login(cfo)

    page = client.get(f"/certificates/{reported.pk}/").content.decode()

    assert f"<li>Receivables aging: {NOTICE}</li>" in page


def test_certificate_page_replace_without_confirmation_refused_on_the_form(client, reported, cfo):
    client.force_login(cfo)
    data = {"kind": "receivables", "file": _aging(CORRECTED)}

    response = client.post(f"/certificates/{reported.pk}/files/replace/", data)

    assert response.status_code == 400
    assert response.context["replace_form"].errors == {"replace": [NOTICE]}
    assert reported.files.count() == 1


def test_certificate_page_adds_a_kind_without_confirmation(client, reported, cfo):
    inventory = (
        "SKU,Description,Location,Category,Quantity,Unit Cost\n"
        "A-1,Widget,Duluth,finished_goods,10,5.00\n"
    )
    client.force_login(cfo)
    data = {"kind": "inventory", "file": SimpleUploadedFile("inventory.csv", inventory.encode())}

    response = client.post(f"/certificates/{reported.pk}/files/replace/", data)

    assert response.status_code == 302
    assert reported.files.get(kind="inventory").status == Status.QUEUED


# Discarding a draft


def test_discard_removes_rows_and_bytes_and_frees_the_date(
    reported, innotrac, cfo, settings, django_capture_on_commit_callbacks
):
    file = reported.files.get()
    assert Invoice.objects.filter(file=file).count() == 7

    with django_capture_on_commit_callbacks(execute=True):
        collateral.discard_draft(certificate=reported, actor=cfo, reason="Wrong month")

    file.refresh_from_db()
    reported.refresh_from_db()
    event = AuditEvent.objects.get(action="certificate.discarded")
    fresh = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    assert reported.status == Certificate.Status.DISCARDED
    assert (file.status, file.stored.name) == (Status.DISCARDED, "")
    assert Invoice.objects.filter(file=file).count() == 0
    assert _stored_files(settings) == []
    assert (event.summary, event.changes) == (
        "Draft certificate as of 2003-03-31 discarded: Wrong month",
        {"reason": "Wrong month", "files": [file.pk]},
    )
    assert fresh.pk != reported.pk


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("analyst", "Only a user of Innotrac Corporation can discard its draft."),
        ("other borrower", "Only a user of Innotrac Corporation can discard its draft."),
    ],
)
def test_discard_by_anyone_but_the_borrower_refused(reported, abl_analyst, who, message):
    actor = abl_analyst if who == "analyst" else UserFactory(role="borrower")

    with pytest.raises(UploadRefused) as refused:
        collateral.discard_draft(certificate=reported, actor=actor, reason="no")

    assert str(refused.value) == message

    reported.refresh_from_db()
    assert reported.status == Certificate.Status.DRAFT
    assert reported.files.get().status == Status.ACCEPTED


def test_discard_of_a_submitted_certificate_refused(reported, cfo):
    certificates.submit_certificate(certificate=reported, actor=cfo, name="D", title="CFO")

    with pytest.raises(UploadRefused) as refused:
        collateral.discard_draft(certificate=reported, actor=cfo, reason="no")

    assert str(refused.value) == "Only a draft can be discarded; this certificate is submitted."

    assert not AuditEvent.objects.filter(action="certificate.discarded").exists()


def test_processing_after_the_draft_was_discarded_keeps_nothing(innotrac, cfo):
    certificate = _report(innotrac, cfo)
    file = certificate.files.get()
    collateral.discard_draft(certificate=certificate, actor=cfo, reason="Wrong file")

    outcome = acceptance.process_collateral_file(file_id=file.pk)

    file.refresh_from_db()
    assert outcome == claims.Outcome.NOTHING
    assert file.status == Status.DISCARDED
    assert Invoice.objects.filter(file=file).count() == 0


def test_worker_holding_a_file_of_a_discarded_draft_loses_its_claim(innotrac, cfo):
    certificate = _report(innotrac, cfo)
    file = certificate.files.get()
    claim = claims.claim_file(file.pk)
    frame = read_collateral("receivables", Path(file.stored.path), as_of=AS_OF)
    collateral.discard_draft(certificate=certificate, actor=cfo, reason="Wrong file")

    still_mine = claim.beat(50, "Storing")
    acceptance.accept_file(claim=claim, frame=frame)

    file.refresh_from_db()
    certificate.refresh_from_db()
    assert still_mine is False
    assert (file.status, file.row_count, certificate.current) == (Status.DISCARDED, 0, None)
    assert Invoice.objects.filter(file=file).count() == 0


def test_discard_button_discards_and_redirects_to_the_facility(client, reported, innotrac, cfo):
    client.force_login(cfo)

    response = client.post(f"/certificates/{reported.pk}/discard/", {"reason": "Wrong month"})

    reported.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/facilities/{innotrac.pk}/"
    assert reported.status == Certificate.Status.DISCARDED


def test_discard_button_shown_to_the_borrower_only(client, reported, cfo, abl_analyst):
    client.force_login(cfo)
    borrower_page = client.get(f"/certificates/{reported.pk}/").content.decode()
    client.force_login(abl_analyst)
    analyst_page = client.get(f"/certificates/{reported.pk}/").content.decode()

    assert 'data-testid="discard"' in borrower_page
    assert 'data-testid="discard"' not in analyst_page


def test_discard_button_refused_for_bank_user_changes_nothing(client, reported, abl_analyst):
    client.force_login(abl_analyst)

    client.post(f"/certificates/{reported.pk}/discard/", {"reason": "no"})

    reported.refresh_from_db()
    assert reported.status == Certificate.Status.DRAFT


def test_report_after_discard_of_a_processing_file_takes_the_date_again(innotrac, cfo):
    certificate = _report(innotrac, cfo)
    collateral.discard_draft(certificate=certificate, actor=cfo, reason="Wrong file")

    again = _report(innotrac, cfo)
    _process_all(again)

    again.refresh_from_db()
    assert again.pk != certificate.pk
    assert again.current.figures["gross_receivables"] == "1245000.00"
