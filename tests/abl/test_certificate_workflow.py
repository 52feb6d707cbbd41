"""Borrower uploads, certifies and submits; the analyst sets a reserve and approves."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.calc.terms import Reserve
from abl.models import AuditEvent, Certificate, CollateralFile, Invoice
from abl.services import certificates, collateral, loans, terms
from tests.abl.conftest import AGING, EXPECTED

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2003, 3, 31)


def _upload(client, facility, django_capture_on_commit_callbacks, **files):
    data = {"as_of": "2003-03-31", "reported_outstanding": "100000.00"}
    data.update(
        {kind: SimpleUploadedFile(name, content) for kind, (name, content) in files.items()}
    )
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/facilities/{facility.pk}/report/", data)


def _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client):
    client.force_login(cfo)
    _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", AGING.encode()),
    )
    certificate = Certificate.objects.get(facility=innotrac)
    return certificates.submit_certificate(
        certificate=certificate, actor=cfo, name="David Gamsey", title="Chief Financial Officer"
    )


def test_upload_accepts_aging_and_computes_draft(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    loans.record_opening_balance(
        facility=innotrac,
        actor=abl_analyst,
        amount=Decimal("90000.00"),
        value_date=dt.date(2003, 3, 1),
    )
    client.force_login(cfo)

    response = _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", AGING.encode()),
    )

    certificate = Certificate.objects.get(facility=innotrac, as_of=AS_OF)
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.pk}/"
    figures = certificate.current.figures
    for key, amount in EXPECTED.items():
        assert Decimal(figures[key]) == amount
    assert figures["ineligible_receivables"]["concentration"] == "452500.00"
    # The outstanding is the ledger's on the as-of date; the borrower's own figure is kept beside it.
    assert figures["outstanding"] == "90000.00"
    assert certificate.current.inputs["reported_outstanding"] == "100000.00"
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert "differs by 10,000.00" in page
    assert Invoice.objects.filter(file__certificate=certificate).count() == 7


def test_certificate_says_over_advance_in_plain_words(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    loans.record_opening_balance(
        facility=innotrac,
        actor=abl_analyst,
        amount=Decimal("600000.00"),
        value_date=dt.date(2003, 3, 1),
    )
    client.force_login(cfo)
    data = {"as_of": "2003-03-31"}
    data["receivables"] = SimpleUploadedFile("aging.csv", AGING.encode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/facilities/{innotrac.pk}/report/", data)
    certificate = Certificate.objects.get(facility=innotrac)

    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    # Line cap 546,125.00 (the borrowing base); outstanding 600,000.00.
    assert "Over-advance of 53,875.00." in page
    assert "The loans outstanding of 600,000.00 exceed the line cap of 546,125.00" in page


def test_certificate_within_its_line_cap_says_no_over_advance(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    client.force_login(cfo)
    _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", AGING.encode()),
    )
    certificate = Certificate.objects.get(facility=innotrac)

    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    assert "Over-advance" not in page


def test_upload_keeps_file_with_its_sha256(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    import hashlib

    client.force_login(cfo)
    _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", AGING.encode()),
    )

    stored = CollateralFile.objects.get()
    assert stored.status == CollateralFile.Status.ACCEPTED
    assert stored.sha256 == hashlib.sha256(AGING.encode()).hexdigest()
    with stored.stored.open("rb") as kept:
        assert kept.read() == AGING.encode()
    assert (stored.row_count, stored.total) == (7, Decimal("1245000.00"))


def test_refused_aging_keeps_nothing_and_names_row_and_column(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    bad = AGING.replace("03/10/2003", "31/31/2003")
    client.force_login(cfo)

    _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", bad.encode()),
    )

    refused = CollateralFile.objects.get()
    page = client.get(f"/certificates/{refused.certificate_id}/").content.decode()
    assert refused.status == CollateralFile.Status.REFUSED
    assert not refused.stored
    assert Invoice.objects.count() == 0
    assert refused.certificate.current is None
    assert "Row 2, column “invoice_date”" in page


def test_certificate_page_explains_every_category(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    client.force_login(cfo)
    _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", AGING.encode()),
    )
    certificate = Certificate.objects.get()

    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    assert 'data-testid="gross_receivables">1,245,000.00<' in page
    assert 'data-testid="eligible_receivables">642,500.00<' in page
    assert 'data-testid="receivables_availability">546,125.00<' in page
    assert 'data-testid="drill-concentration"' in page


def test_submit_freezes_figures_and_audits(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)

    assert certificate.status == Certificate.Status.SUBMITTED
    assert certificate.submitted == certificate.current
    assert (certificate.certified_name, certificate.certified_title) == (
        "David Gamsey",
        "Chief Financial Officer",
    )
    assert AuditEvent.objects.filter(
        action="certificate.submitted", object_id=str(certificate.pk)
    ).exists()


def test_submitted_certificate_accepts_no_more_files(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)

    with pytest.raises(collateral.UploadRefused):
        collateral.receive_file(
            certificate=certificate,
            kind="receivables",
            upload=SimpleUploadedFile("a.csv", AGING.encode()),
            actor=cfo,
        )


def test_reserve_recomputes_but_submitted_figures_never_change(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)
    submitted_figures = dict(certificate.submitted.figures)

    with django_capture_on_commit_callbacks(execute=True):
        terms.set_reserves(
            facility=innotrac,
            reserves=[
                Reserve(
                    name="Rent reserve",
                    amount=Decimal("46125.00"),
                    reason="Landlord waiver missing",
                )
            ],
            actor=abl_analyst,
            reason="Field exam",
        )

    certificate.refresh_from_db()
    assert certificate.submitted.figures == submitted_figures
    assert certificate.current.figures["reserves"] == "46125.00"
    assert certificate.current.figures["borrowing_base"] == "500000.00"
    assert innotrac.terms_versions.count() == 2


def test_analyst_approves_and_certificate_becomes_the_borrowing_base(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)

    approved = certificates.approve_certificate(certificate=certificate, actor=abl_analyst)

    assert approved.status == Certificate.Status.APPROVED
    assert certificates.latest_approved(innotrac) == approved
    assert approved.approved.figures["borrowing_base"] == "546125.00"


def test_borrower_cannot_approve(client, innotrac, cfo, django_capture_on_commit_callbacks):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)

    with pytest.raises(certificates.CertificateError, match="Only an ABL analyst"):
        certificates.approve_certificate(certificate=certificate, actor=cfo)


def test_nobody_approves_what_they_submitted(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)
    cfo.role = "analyst"  # the same person, later made an analyst, still may not approve it
    cfo.save()

    with pytest.raises(certificates.CertificateError, match="prepared or submitted"):
        certificates.approve_certificate(certificate=certificate, actor=cfo)


def test_return_requires_comment_and_reopens_the_date(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)

    with pytest.raises(certificates.CertificateError, match="comment is required"):
        certificates.return_certificate(certificate=certificate, actor=abl_analyst, comment=" ")
    returned = certificates.return_certificate(
        certificate=certificate, actor=abl_analyst, comment="Aging total is off"
    )
    fresh = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)

    assert returned.status == Certificate.Status.RETURNED
    assert fresh.pk != returned.pk


def test_other_borrower_gets_404_on_certificate(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)
    client.force_login(UserFactory(role="borrower"))

    assert client.get(f"/certificates/{certificate.pk}/").status_code == 404
    assert client.get(f"/certificates/{certificate.pk}/receivables/").status_code == 404


def test_roll_forward_shows_difference(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", AGING.encode()),
    )
    certificate = Certificate.objects.get()
    form = {
        "ar_prior_balance": "1200000.00",
        "ar_sales": "300000.00",
        "ar_collections": "250000.00",
        "ar_credits": "5000.00",
        "ar_adjustments": "0.00",
        "reported-past_due": "40000.00",
    }

    client.post(f"/certificates/{certificate.pk}/roll-forward/", form)
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    # Ledger: 1,200,000 + 300,000 − 250,000 − 5,000 = 1,245,000.00; file 1,245,000.00.
    assert 'data-testid="rf-difference-receivables">0.00<' in page
    assert 'data-testid="reported-differences"' in page


def _draft_with_roll_forward(client, innotrac, cfo, capture, *, collections: str):
    client.force_login(cfo)
    _upload(client, innotrac, capture, receivables=("aging.csv", AGING.encode()))
    certificate = Certificate.objects.get()
    form = {
        "ar_prior_balance": "1200000.00",
        "ar_sales": "300000.00",
        "ar_collections": collections,
        "ar_credits": "5000.00",
        "ar_adjustments": "0.00",
    }
    client.post(f"/certificates/{certificate.pk}/roll-forward/", form)
    return certificate


def _certify(client, certificate, explanation: str = ""):
    return client.post(
        f"/certificates/{certificate.pk}/certify/",
        {
            "name": "David Gamsey",
            "title": "Chief Financial Officer",
            "confirm": "on",
            "explanation": explanation,
        },
        follow=True,
    )


def test_certify_refused_until_an_unreconciled_roll_forward_is_explained(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    # Ledger: 1,200,000 + 300,000 − 249,000 − 5,000 = 1,246,000.00; file 1,245,000.00.
    certificate = _draft_with_roll_forward(
        client, innotrac, cfo, django_capture_on_commit_callbacks, collections="249000.00"
    )
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    refused = _certify(client, certificate).content.decode()
    certificate.refresh_from_db()
    status_after_refusal = certificate.status
    _certify(client, certificate, "A 1,000.00 collection posted on 2003-04-01.")
    certificate.refresh_from_db()

    expected = "The receivables roll-forward differs from the file by (1,000.00) (file − ledger)."
    assert expected in page
    assert f"Explain the differences before certifying: {expected}" in refused
    assert status_after_refusal == Certificate.Status.DRAFT
    assert certificate.status == Certificate.Status.SUBMITTED
    assert certificate.explanation == "A 1,000.00 collection posted on 2003-04-01."


def test_the_analyst_sees_the_borrowers_explanation(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    certificate = _draft_with_roll_forward(
        client, innotrac, cfo, django_capture_on_commit_callbacks, collections="249000.00"
    )
    _certify(client, certificate, "A 1,000.00 collection posted on 2003-04-01.")
    client.force_login(abl_analyst)

    page = client.get(f"/certificates/{certificate.pk}/").content.decode()

    assert "The borrower's explanation of the differences:" in page
    assert "A 1,000.00 collection posted on 2003-04-01." in page


def test_certify_needs_no_explanation_when_everything_agrees(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    certificate = _draft_with_roll_forward(
        client, innotrac, cfo, django_capture_on_commit_callbacks, collections="250000.00"
    )

    _certify(client, certificate, "Nothing to explain, but said anyway.")
    certificate.refresh_from_db()

    assert certificate.status == Certificate.Status.SUBMITTED
    assert certificate.explanation == ""


def test_reserve_change_leaves_an_approved_certificate_as_approved(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)
    approved = certificates.approve_certificate(certificate=certificate, actor=abl_analyst)
    computations_before = approved.computations.count()

    with django_capture_on_commit_callbacks(execute=True):
        terms.set_reserves(
            facility=innotrac,
            reserves=[Reserve(name="Rent reserve", amount=Decimal("46125.00"), reason="Landlord")],
            actor=abl_analyst,
            reason="Field exam",
        )

    approved.refresh_from_db()
    assert approved.approved.figures["borrowing_base"] == "546125.00"
    assert approved.current == approved.approved
    assert approved.computations.count() == computations_before


def test_reserve_change_recomputes_only_once_committed(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        terms.set_reserves(
            facility=innotrac,
            reserves=[Reserve(name="Rent reserve", amount=Decimal("46125.00"), reason="Landlord")],
            actor=abl_analyst,
            reason="Field exam",
        )
    certificate.refresh_from_db()
    before_commit = certificate.current.figures["reserves"]
    for callback in queued:
        callback()
    certificate.refresh_from_db()

    assert (before_commit, certificate.current.figures["reserves"]) == ("0.00", "46125.00")


def test_submit_refused_while_a_file_is_pending(innotrac, cfo):
    draft = collateral.open_draft(facility=innotrac, as_of=AS_OF, actor=cfo)
    collateral.receive_file(
        certificate=draft,
        kind="receivables",
        upload=SimpleUploadedFile("aging.csv", AGING.encode()),
        actor=cfo,
        queue=False,
    )

    with pytest.raises(certificates.CertificateError, match="still being processed"):
        certificates.submit_certificate(
            certificate=draft, actor=cfo, name="David Gamsey", title="CFO"
        )
    draft.refresh_from_db()
    assert draft.status == Certificate.Status.DRAFT


def test_every_state_change_writes_its_audit_event(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    certificate = _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)
    with django_capture_on_commit_callbacks(execute=True):
        terms.set_reserves(
            facility=innotrac, reserves=[], actor=abl_analyst, reason="No reserve yet"
        )
        terms.record_consent(
            facility=innotrac,
            program="BELLSOUTH",
            received=True,
            actor=abl_analyst,
            reason="Letter of 2003-03-15",
        )
    certificates.return_certificate(certificate=certificate, actor=abl_analyst, comment="Fix it")
    _upload(
        client,
        innotrac,
        django_capture_on_commit_callbacks,
        receivables=("aging.csv", AGING.encode()),
    )
    again = certificates.submit_certificate(
        certificate=Certificate.objects.get(status=Certificate.Status.DRAFT),
        actor=cfo,
        name="David Gamsey",
        title="Chief Financial Officer",
    )
    certificates.approve_certificate(certificate=again, actor=abl_analyst)
    draft = collateral.open_draft(facility=innotrac, as_of=dt.date(2003, 2, 28), actor=cfo)
    collateral.discard_draft(certificate=draft, actor=cfo, reason="Wrong date")

    actions = list(
        AuditEvent.objects.order_by("id")
        .exclude(action="certificate.computed")
        .values_list("action", flat=True)
    )
    assert [a for a in actions if a.startswith(("certificate.", "terms."))] == [
        "terms.version_created",  # the letter's terms, loaded
        "certificate.draft_created",
        "certificate.outstanding_reported",
        "certificate.submitted",
        "terms.version_created",  # the reserves
        "terms.version_created",  # BellSouth's consent
        "certificate.returned",
        "certificate.draft_created",
        "certificate.outstanding_reported",
        "certificate.submitted",
        "certificate.approved",
        "certificate.draft_created",
        "certificate.discarded",
    ]


def test_the_audit_trail_shows_money_as_every_page_does(
    client, innotrac, cfo, abl_analyst, django_capture_on_commit_callbacks
):
    _submitted(innotrac, cfo, django_capture_on_commit_callbacks, client)
    client.force_login(abl_analyst)

    page = client.get("/audit/").content.decode()

    assert "Chief Financial Officer: borrowing base 546,125.00" in page
    assert "Outstanding at 2003-03-31 reported by the borrower: 100,000.00" in page
    assert "546125.00" not in page
