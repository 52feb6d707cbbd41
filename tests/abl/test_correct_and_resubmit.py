"""A returned certificate corrected and resubmitted: a new draft with its files and figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.models import AuditEvent, Certificate, CollateralFile
from abl.services import certificates, collateral
from abl.services.errors import CertificateError
from tests.abl.conftest import AGING
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2003, 3, 31)
ROLL_FORWARD = {
    "ar_prior_balance": Decimal("1200000.00"),
    "ar_sales": Decimal("300000.00"),
    "ar_collections": Decimal("250000.00"),
    "ar_credits": Decimal("5000.00"),
    "ar_adjustments": Decimal("0.00"),
    "inv_prior_balance": None,
    "inv_purchases": None,
    "inv_cost_of_sales": None,
    "inv_adjustments": None,
}


@pytest.fixture(autouse=True)
def business_date(settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"


@pytest.fixture
def returned(innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = collateral.report_collateral(
            facility=innotrac,
            actor=cfo,
            as_of=AS_OF,
            reported_outstanding=Decimal("100000.00"),
            files={"receivables": SimpleUploadedFile("aging.csv", AGING.encode())},
        )
    certificates.save_borrower_figures(
        certificate=draft,
        actor=cfo,
        roll_forward=ROLL_FORWARD,
        reported_ineligibles={"past_due": Decimal("75000.00"), "contra": None},
    )
    submitted = certificates.submit_certificate(
        certificate=draft,
        actor=cfo,
        name="David Gamsey",
        title="CFO",
        explanation="Timing of credits",
    )
    return certificates.return_certificate(
        certificate=submitted, actor=abl_analyst, comment="The aging misses March's credits"
    )


def test_correcting_a_returned_certificate_starts_a_draft_with_its_files_and_figures(
    returned, cfo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = certificates.correct_returned_certificate(certificate=returned, actor=cfo)

    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.as_of == AS_OF
    assert draft.corrects == returned
    assert {name: getattr(draft, name) for name in ROLL_FORWARD} == ROLL_FORWARD
    assert draft.reported_ineligibles == {"past_due": "75000.00"}
    assert draft.reported_outstanding == Decimal("100000.00")
    old, new = returned.files.get(), draft.files.get()
    assert (new.kind, new.original_name, new.sha256, new.status) == (
        "receivables",
        "aging.csv",
        old.sha256,
        "accepted",
    )
    assert new.stored.name != old.stored.name
    assert draft.current.figures["borrowing_base"] == returned.current.figures["borrowing_base"]
    event = AuditEvent.objects.get(action="certificate.correction_started")
    assert event.changes == {"corrects": returned.pk, "files": [old.pk]}


def test_the_returned_certificate_stays_on_record_unchanged(returned, cfo):
    certificates.correct_returned_certificate(certificate=returned, actor=cfo)

    kept = Certificate.objects.get(pk=returned.pk)
    assert kept.status == "returned"
    assert kept.review_comment == "The aging misses March's credits"
    assert kept.files.get().status == "accepted"
    assert kept.files.get().stored.storage.exists(kept.files.get().stored.name)


def test_correcting_twice_answers_the_same_draft(returned, cfo):
    first = certificates.correct_returned_certificate(certificate=returned, actor=cfo)
    second = certificates.correct_returned_certificate(certificate=returned, actor=cfo)

    assert second == first
    assert Certificate.objects.filter(status="draft").count() == 1


def test_discarding_the_correction_deletes_its_copies_not_the_returned_files(returned, cfo):
    draft = certificates.correct_returned_certificate(certificate=returned, actor=cfo)
    collateral.discard_draft(certificate=draft, actor=cfo, reason="Started over")

    kept = returned.files.get()
    assert kept.stored.storage.exists(kept.stored.name)
    again = certificates.correct_returned_certificate(certificate=returned, actor=cfo)
    assert again != draft
    assert again.status == "draft"


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("analyst", "Only a user of {borrower} corrects its certificates."),
        ("stranger", "Only a user of {borrower} corrects its certificates."),
    ],
)
def test_only_the_borrower_corrects_its_certificate(returned, innotrac, who, message):
    actor = {
        "analyst": UserFactory(role="analyst", organisation=innotrac.lender),
        "stranger": UserFactory(role="borrower", organisation=FacilityFactory().borrower),
    }[who]

    with pytest.raises(CertificateError) as refused:
        certificates.correct_returned_certificate(certificate=returned, actor=actor)

    assert str(refused.value) == message.format(borrower=innotrac.borrower)
    assert not Certificate.objects.filter(corrects=returned).exists()


def test_only_a_returned_certificate_is_corrected(returned, cfo, innotrac):
    draft = certificates.correct_returned_certificate(certificate=returned, actor=cfo)

    with pytest.raises(CertificateError) as refused:
        certificates.correct_returned_certificate(certificate=draft, actor=cfo)

    assert str(refused.value) == (
        "Only a returned certificate is corrected and resubmitted; this one is draft."
    )


def test_an_open_draft_for_the_date_is_named_and_nothing_is_created(returned, cfo, innotrac):
    other = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    files_before = CollateralFile.objects.count()

    with pytest.raises(CertificateError) as refused:
        certificates.correct_returned_certificate(certificate=returned, actor=cfo)

    assert str(refused.value) == (
        f"A certificate as of 2003-03-31 is already draft (no. {other.pk}); "
        "correct that one, or discard it first."
    )
    assert CollateralFile.objects.count() == files_before
    assert Certificate.objects.count() == 2


def test_the_pages_link_the_returned_certificate_and_its_correction_both_ways(
    client, returned, cfo
):
    client.force_login(cfo)
    page = client.get(f"/certificates/{returned.pk}/").content.decode()
    assert "Correct and resubmit" in page

    response = client.post(f"/certificates/{returned.pk}/correct/")

    draft = Certificate.objects.get(corrects=returned)
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{draft.pk}/"
    new_page = client.get(response["Location"]).content.decode()
    assert f'href="/certificates/{returned.pk}/"' in new_page
    assert "The aging misses March" in new_page
    old_page = client.get(f"/certificates/{returned.pk}/").content.decode()
    assert f'href="/certificates/{draft.pk}/"' in old_page
    assert "Correct and resubmit" not in old_page
