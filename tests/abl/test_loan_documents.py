"""The loan documents: the checklist of items the bank needs, and the borrower's acknowledgement
of each terms version — who, when, and the hash of what was read."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections

from abl.models import AuditEvent, ChecklistFile, ChecklistItem, TermsAcknowledgement
from abl.services import loan_documents
from abl.services.errors import DocumentRefused
from abl.services.terms import load_facility_terms, record_consent
from tests.abl.conftest import TERMS
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(innotrac, abl_analyst):
    return loan_documents.request_item(
        facility=innotrac,
        title="Amended loan agreement, signed",
        due_on=dt.date(2003, 3, 15),
        actor=abl_analyst,
    )


def _close(response):
    """Close a streamed response (its file) as the test client would, keeping the test's connection."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _version(innotrac):
    return innotrac.terms_versions.get(version=1)


def test_the_borrower_acknowledges_the_terms_it_read(client, innotrac, cfo):
    version = _version(innotrac)
    client.force_login(cfo)
    page = client.get(f"/facilities/{innotrac.pk}/").content.decode()
    assert 'data-testid="acknowledge-terms"' in page

    response = client.post(
        f"/facilities/{innotrac.pk}/terms/1/acknowledge/",
        {"sha256": loan_documents.terms_hash(version)},
    )

    assert response.status_code == 302
    acknowledgement = TermsAcknowledgement.objects.get()
    assert acknowledgement.acknowledged_by == cfo
    assert acknowledgement.sha256 == loan_documents.terms_hash(version)
    assert AuditEvent.objects.filter(action="terms.acknowledged").count() == 1
    page = client.get(f"/facilities/{innotrac.pk}/").content.decode()
    assert 'data-testid="terms-acknowledged"' in page


def test_terms_changed_since_they_were_read_are_not_acknowledged(innotrac, cfo):
    version = _version(innotrac)

    with pytest.raises(DocumentRefused, match="not what was shown"):
        loan_documents.acknowledge_terms(version=version, sha256="0" * 64, actor=cfo)

    assert not TermsAcknowledgement.objects.exists()


def test_acknowledging_twice_keeps_the_first(innotrac, cfo):
    version = _version(innotrac)
    digest = loan_documents.terms_hash(version)

    first = loan_documents.acknowledge_terms(version=version, sha256=digest, actor=cfo)
    again = loan_documents.acknowledge_terms(version=version, sha256=digest, actor=cfo)

    assert again.pk == first.pk
    assert AuditEvent.objects.filter(action="terms.acknowledged").count() == 1


def test_only_the_borrower_acknowledges(innotrac, abl_analyst):
    version = _version(innotrac)

    with pytest.raises(DocumentRefused, match="Only a user of the borrower"):
        loan_documents.acknowledge_terms(
            version=version, sha256=loan_documents.terms_hash(version), actor=abl_analyst
        )


def test_a_version_awaiting_acknowledgement_is_shown_to_the_borrower_first(client, innotrac, cfo):
    loan_documents.acknowledge_terms(
        version=_version(innotrac), sha256=loan_documents.terms_hash(_version(innotrac)), actor=cfo
    )
    load_facility_terms(
        text=TERMS.read_text().replace("cure_days: 0", "cure_days: 30"),
        actor=None,
        reason="amended",
    )
    client.force_login(cfo)

    page = client.get("/").content.decode()

    banner = page.index('data-testid="terms-awaiting"')
    assert banner < page.index("Your facilities</h1>") + 400  # before the facilities
    assert "Terms version 2 of" in page
    assert [v.version for v in loan_documents.awaiting_acknowledgement([innotrac])] == [2]


def test_the_analyst_requests_the_borrower_attaches_and_the_analyst_receives(
    client, innotrac, cfo, abl_analyst, item
):
    client.force_login(cfo)
    client.post(
        f"/checklist/{item.pk}/attach/",
        {"file": SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 signed")},
    )
    attached = ChecklistFile.objects.get()
    assert attached.item == item
    assert attached.uploaded_by == cfo
    download = client.get(f"/checklist/files/{attached.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    _close(download)

    client.force_login(abl_analyst)
    page = client.get(f"/facilities/{innotrac.pk}/checklist/").content.decode()
    assert "agreement.pdf" in page
    client.post(f"/checklist/{item.pk}/decide/", {"status": "received", "note": "original on file"})

    item.refresh_from_db()
    assert item.status == ChecklistItem.Status.RECEIVED
    assert item.decided_by == abl_analyst
    assert list(
        AuditEvent.objects.filter(action__startswith="checklist.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["checklist.requested", "checklist.file_attached", "checklist.received"]


def test_a_waiver_needs_its_reason_and_a_decided_item_stays_decided(abl_analyst, item):
    with pytest.raises(DocumentRefused, match="why the item is waived"):
        loan_documents.decide_item(item=item, status="waived", actor=abl_analyst)

    loan_documents.decide_item(item=item, status="waived", note="not needed", actor=abl_analyst)
    with pytest.raises(DocumentRefused, match="already waived"):
        loan_documents.decide_item(item=item, status="received", actor=abl_analyst)


def test_the_borrower_neither_requests_nor_decides(client, innotrac, cfo, item):
    client.force_login(cfo)

    response = client.post(f"/checklist/{item.pk}/decide/", {"status": "received"}, follow=True)
    client.post(f"/facilities/{innotrac.pk}/checklist/add/", {"title": "Anything"})

    assert "Only an ABL analyst keeps the checklist." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ChecklistItem.Status.REQUESTED
    assert ChecklistItem.objects.count() == 1


def test_an_empty_file_is_refused_and_leaves_nothing(client, cfo, item, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cfo)

    response = client.post(
        f"/checklist/{item.pk}/attach/", {"file": SimpleUploadedFile("empty.pdf", b"")}, follow=True
    )

    assert "empty" in response.content.decode()
    assert not ChecklistFile.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_a_failure_after_storing_leaves_no_bytes(cfo, item, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path

    def fail(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(loan_documents, "record", fail)
    with pytest.raises(RuntimeError):
        loan_documents.attach_file(
            item=item, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"), actor=cfo
        )

    assert not ChecklistFile.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_another_borrower_sees_nothing(client, innotrac, item):
    other = UserFactory(role="borrower", organisation=OrganisationFactory())
    client.force_login(other)

    assert client.get(f"/facilities/{innotrac.pk}/checklist/").status_code == 404
    assert (
        client.post(
            f"/checklist/{item.pk}/attach/", {"file": SimpleUploadedFile("x.pdf", b"x")}
        ).status_code
        == 404
    )
    assert client.post(f"/facilities/{innotrac.pk}/terms/1/acknowledge/", {}).status_code == 404


# --- Items the application records itself (issue 23, finding 14) ---------------------------


@pytest.fixture
def consent_item(innotrac, abl_analyst):
    return loan_documents.request_item(
        facility=innotrac,
        title="BellSouth's consent",
        follows=ChecklistItem.Record.CONSENT,
        program="bellsouth",
        actor=abl_analyst,
    )


def _status(item):
    row = next(r for r in loan_documents.checklist_rows(item.facility) if r.item.pk == item.pk)
    return (row.status, row.on, row.by)


def test_recording_the_consent_shows_its_checklist_item_received_with_date_and_who(
    innotrac, abl_analyst, consent_item, settings
):
    settings.ABL_BUSINESS_DATE = "2003-03-20"
    assert _status(consent_item) == ("requested", None, None)

    record_consent(
        facility=innotrac,
        program="BELLSOUTH",
        received=True,
        actor=abl_analyst,
        reason="BellSouth letter of 2003-03-15",
        effective_date=dt.date(2003, 3, 15),
    )

    assert _status(consent_item) == ("received", dt.date(2003, 3, 15), abl_analyst)
    consent_item.refresh_from_db()
    assert (consent_item.status, consent_item.program) == ("requested", "BELLSOUTH")


def test_a_withdrawn_consent_puts_its_item_back_to_requested(
    innotrac, abl_analyst, consent_item, settings
):
    settings.ABL_BUSINESS_DATE = "2003-03-20"
    for received in (True, False):
        record_consent(
            facility=innotrac, program="BELLSOUTH", received=received, actor=abl_analyst, reason=""
        )

    assert _status(consent_item) == ("requested", None, None)


def test_the_acknowledgement_shows_its_checklist_item_received_on_the_business_date(
    innotrac, cfo, abl_analyst, settings
):
    settings.ABL_BUSINESS_DATE = "2003-02-20"
    letter = loan_documents.request_item(
        facility=innotrac,
        title="The acknowledged letter",
        follows=ChecklistItem.Record.ACKNOWLEDGEMENT,
        actor=abl_analyst,
    )
    version = _version(innotrac)

    loan_documents.acknowledge_terms(
        version=version, sha256=loan_documents.terms_hash(version), actor=cfo
    )

    assert _status(letter) == ("received", dt.date(2003, 2, 20), cfo)


def test_an_item_the_application_records_is_not_marked_by_hand(abl_analyst, consent_item):
    with pytest.raises(DocumentRefused, match="is not marked by hand"):
        loan_documents.decide_item(item=consent_item, status="received", actor=abl_analyst)

    consent_item.refresh_from_db()
    assert consent_item.status == "requested"


def test_a_consent_item_names_a_program_of_the_terms_that_needs_consent(innotrac, abl_analyst):
    with pytest.raises(DocumentRefused) as refusal:
        loan_documents.request_item(
            facility=innotrac,
            title="Acme's consent",
            follows=ChecklistItem.Record.CONSENT,
            program="ACME",
            actor=abl_analyst,
        )

    assert str(refusal.value) == (
        "Program: ACME is not a program of this facility's terms that needs consent "
        "(those that do: BELLSOUTH)."
    )
    assert not ChecklistItem.objects.filter(title="Acme's consent").exists()
