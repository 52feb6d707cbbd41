"""Every state a certificate can be in, each on a facility of its own, built by the real services.

For tests that walk the pages (tests/test_production_pages.py). One borrower
(Innotrac) holds every facility; a second borrower has one of its own, so that
"another borrower's user" sees ids it must not reach.

| state            | facility                | certificate                                            |
|------------------|-------------------------|--------------------------------------------------------|
| no-certificate   | terms, no certificate   | none                                                   |
| no-terms         | no terms loaded         | a draft whose file waits in the queue                  |
| refused          | terms                   | a draft whose three files were refused: no figures     |
| queued           | terms                   | a draft whose file waits for a worker                  |
| processing       | terms                   | a draft whose file a worker is storing (set directly)  |
| accepted         | terms                   | a draft with figures, inventory, payables, roll-forward |
| submitted        | terms, none approved    | submitted                                              |
| returned         | terms, none approved    | returned                                               |
| redrafted        | the returned's          | a fresh draft for the returned one's date              |
| approved         | terms                   | approved after a reserve recomputed it: submitted ≠ current; its loan has an opening balance, a repayment and advance requests approved, declined, withdrawn, approved once awaiting a second approval, open and over the availability |
| compared         | the approved's facility | a later draft compared with the approved one           |
| discarded        | terms                   | discarded after its figures (set directly)             |
| discarded-stuck  | the discarded's         | discarded with its file never processed (set directly) |

The returned facility is in default (declared by the analyst), so its pages show it.

The bank and Innotrac each have a webhook endpoint with a test event's delivery: the bank's
pending, Innotrac's failed (so its page offers a retry); the other borrower has none.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from abl.calc.terms import Reserve
from abl.models import (
    Certificate,
    CertificateExport,
    CollateralFile,
    Facility,
    User,
    WebhookDelivery,
)
from abl.services import certificates, collateral, exports, loans, terms
from abl.services.terms import load_facility_terms
from abl.tasks import process_collateral_file_task
from abl.webhooks import services as webhooks
from reporting.services.positions import refresh_positions
from tests.abl.conftest import AGING
from tests.factories import FacilityFactory, OrganisationFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "innotrac"
AS_OF = dt.date(2003, 3, 31)
HEADER = AGING.splitlines()[0]

# Three ways a receivables file is refused: not a CSV at all, no rows, an impossible date.
REFUSED = {
    "picture.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "header-only.csv": f"{HEADER}\n".encode(),
    "bad-date.csv": f"{HEADER}\nACME,Acme Retail,AC-1,02/30/2003,,100.00,US,N,N\n".encode(),
}

ROLES = ("anonymous", "borrower", "other_borrower", "analyst", "rm", "other_rm", "admin")


@dataclass
class World:
    users: dict[str, User | None]  # role → user; None is anonymous
    facilities: dict[str, Facility]  # state → its facility
    certificates: dict[str, Certificate | None]  # state → its certificate, if any


def build_world() -> World:
    bank = OrganisationFactory(name="SouthTrust Bank, N.A.", kind="bank")
    users: dict[str, User | None] = {
        "anonymous": None,
        "analyst": UserFactory(username="analyst", role="analyst", organisation=bank),
        "rm": UserFactory(username="rm", role="relationship_manager", organisation=bank),
        "other_rm": UserFactory(
            username="other-rm", role="relationship_manager", organisation=bank
        ),
        "admin": UserFactory(
            username="admin", role="admin", organisation=bank, is_staff=True, is_superuser=True
        ),
    }
    other = FacilityFactory(lender=bank)
    users["other_borrower"] = UserFactory(
        username="other-cfo", role="borrower", organisation=other.borrower
    )

    facilities: dict[str, Facility] = {}
    for state in (
        "no-certificate",
        "refused",
        "queued",
        "processing",
        "accepted",
        "submitted",
        "returned",
        "approved",
        "discarded",
    ):
        facilities[state] = _facility_with_terms(state)
    innotrac = facilities["accepted"].borrower
    borrower = UserFactory(
        username="cfo", title="Chief Financial Officer", role="borrower", organisation=innotrac
    )
    users["borrower"] = borrower
    facilities["no-terms"] = FacilityFactory(lender=bank, borrower=innotrac)
    facilities["compared"] = facilities["approved"]
    facilities["discarded-stuck"] = facilities["discarded"]
    for facility in {f.pk: f for f in facilities.values()}.values():
        facility.relationship_managers.add(users["rm"])
    other.relationship_managers.add(users["other_rm"])

    analyst = users["analyst"]
    assert analyst is not None
    aging = {"receivables": ("aging.csv", AGING.encode())}
    found: dict[str, Certificate | None] = {"no-certificate": None}
    found["no-terms"] = _draft(facilities["no-terms"], borrower, aging, process=False)
    found["refused"] = _draft(
        facilities["refused"],
        borrower,
        {"receivables": next(iter(REFUSED.items()))},
    )
    for name, content in list(REFUSED.items())[1:]:
        _receive(found["refused"], borrower, "receivables", name, content)
    found["queued"] = _draft(facilities["queued"], borrower, aging, process=False)
    found["processing"] = _draft(facilities["processing"], borrower, aging, process=False)
    CollateralFile.objects.filter(certificate=found["processing"]).update(
        status=CollateralFile.Status.PROCESSING,
        progress=40,
        stage="Storing rows",
        heartbeat_at=timezone.now(),
        attempts=1,
    )
    found["accepted"] = _draft(
        facilities["accepted"],
        borrower,
        {
            kind: (f"{kind}.csv", (EXAMPLES / f"{kind}.csv").read_bytes())
            for kind in ("receivables", "inventory", "payables")
        },
    )
    certificates.save_borrower_figures(
        certificate=found["accepted"],
        actor=borrower,
        roll_forward={
            "ar_prior_balance": Decimal("1000000.00"),
            "ar_sales": Decimal("250000.00"),
            "ar_collections": Decimal("200000.00"),
            "ar_credits": None,
            "ar_adjustments": None,
            "inv_prior_balance": Decimal("500000.00"),
            "inv_purchases": Decimal("10000.00"),
            "inv_cost_of_sales": None,
            "inv_adjustments": None,
        },
        reported_ineligibles={"past_due": Decimal("40000.00"), "foreign": None},
    )
    found["submitted"] = _submitted(facilities["submitted"], borrower, aging)
    found["returned"] = certificates.return_certificate(
        certificate=_submitted(facilities["returned"], borrower, aging),
        actor=analyst,
        comment="The aging does not foot to the ledger.",
    )
    found["redrafted"] = _draft(facilities["returned"], borrower, aging)
    facilities["redrafted"] = facilities["returned"]
    to_approve = _submitted(facilities["approved"], borrower, aging)
    terms.set_reserves(
        facility=facilities["approved"],
        reserves=[Reserve(name="Dilution", amount=Decimal("25000.00"), reason="Field exam")],
        actor=analyst,
        reason="Field exam of March",
    )
    found["approved"] = certificates.approve_certificate(
        certificate=to_approve, actor=analyst, comment="Agrees with the field exam."
    )
    _advances(facilities["approved"], borrower, analyst)
    loans.declare_event_of_default(
        facility=facilities["returned"],
        on=AS_OF,
        reason="Covenant breach at 2003-03-31",
        user=analyst,
    )
    # A waiver proposed, awaiting a second analyst: the facility stays in default.
    loans.propose_default_end(
        facility=facilities["returned"],
        ending="waiver",
        reason="Waived by the credit committee",
        document=SimpleUploadedFile("waiver.pdf", b"%PDF-1.4 signed waiver"),
        user=analyst,
    )
    found["compared"] = _draft(facilities["compared"], borrower, aging, as_of=dt.date(2003, 4, 30))
    found["discarded"] = _discarded(_draft(facilities["discarded"], borrower, aging))
    found["discarded-stuck"] = _discarded(
        _draft(facilities["discarded"], borrower, aging, as_of=dt.date(2003, 4, 30), process=False)
    )
    _spreadsheets(found, borrower)
    admin = users["admin"]
    assert admin is not None
    _webhooks(admin, borrower)
    # The dashboard's lines, as after the nightly close; one facility not measured yet.
    with override_settings(ABL_BUSINESS_DATE="2003-04-07"):
        refresh_positions(
            facility_ids=[
                f.pk for f in Facility.objects.exclude(pk=facilities["no-certificate"].pk)
            ]
        )
    return World(users=users, facilities=facilities, certificates=found)


def _spreadsheets(found: dict[str, Certificate | None], borrower: User) -> None:
    """Each state of a certificate's spreadsheet: written (accepted), being written (submitted),
    failed (returned); the others were never asked for."""
    asked = {}
    for state in ("accepted", "submitted", "returned"):
        certificate = found[state]
        assert certificate is not None
        assert certificate.current is not None
        asked[state] = exports.request_certificate_export(
            certificate=certificate, computation=certificate.current, actor=borrower
        ).pk
    exports.build_certificate_export(export_id=asked["accepted"])
    CertificateExport.objects.filter(pk=asked["submitted"]).update(
        status=CertificateExport.Status.BUILDING,
        attempts=1,
        rows_written=5,
        heartbeat_at=timezone.now(),
    )
    CertificateExport.objects.filter(pk=asked["returned"]).update(
        status=CertificateExport.Status.FAILED, attempts=1, problem=exports.FAILED
    )


def _webhooks(admin: User, borrower: User) -> None:
    """An endpoint of the bank's and one of Innotrac's, each sent a test event (never delivered:
    the world is rolled back before its commit); Innotrac's delivery failed."""
    for user, name in [(admin, "bank"), (borrower, "innotrac")]:
        assert user.organisation is not None
        endpoint, _ = webhooks.add_endpoint(
            organisation=user.organisation,
            url=f"https://hooks.example.com/{name}",
            event_types=["advance.requested", "certificate.approved"],
            actor=user,
        )
        delivery = webhooks.send_test_event(endpoint=endpoint, actor=user)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED,
        attempts=6,
        last_response_code=500,
        last_error="The receiver answered 500.",
        next_attempt_at=None,
    )


def _advances(facility: Facility, borrower: User, analyst: User) -> None:
    """The loan of the approved facility, on the business date 2003-04-07: every state of a request."""
    with override_settings(ABL_BUSINESS_DATE="2003-04-07"):
        loans.record_opening_balance(
            facility=facility,
            actor=analyst,
            amount=Decimal("100000.00"),
            value_date=dt.date(2003, 4, 1),
        )
        ask = {"facility": facility, "actor": borrower, "purpose": "Payroll"}
        approved = loans.request_advance(**ask, amount=Decimal("50000.00"), key="walk-approved")
        loans.approve_advance(advance=approved, actor=analyst, comment="Within availability")
        declined = loans.request_advance(**ask, amount=Decimal("60000.00"), key="walk-declined")
        loans.decline_advance(advance=declined, actor=analyst, comment="Not this week")
        loans.request_advance(**ask, amount=Decimal("25000.00"), key="walk-open")
        loans.request_advance(**ask, amount=Decimal("9000000.00"), key="walk-too-much")
        withdrawn = loans.request_advance(**ask, amount=Decimal("7000.00"), key="walk-withdrawn")
        loans.withdraw_advance(advance=withdrawn, actor=borrower)
        # Approved once, as by an analyst whose limit is 20,000.00: awaiting a second approval.
        first = loans.request_advance(**ask, amount=Decimal("30000.00"), key="walk-first")
        limit, analyst.approval_limit = analyst.approval_limit, Decimal("20000.00")
        loans.approve_advance(advance=first, actor=analyst, comment="Needs a second")
        analyst.approval_limit = limit
        loans.record_repayment(
            facility=facility,
            actor=analyst,
            amount=Decimal("1000.00"),
            value_date=dt.date(2003, 4, 7),
        )


def _facility_with_terms(state: str) -> Facility:
    text = (EXAMPLES / "terms.yaml").read_text().replace("id: innotrac-2003", f"id: {state}")
    version, _ = load_facility_terms(text=text, actor=None, reason="loaded for the page walk")
    return version.facility


def _receive(
    certificate: Certificate, actor: User, kind: str, name: str, content: bytes
) -> CollateralFile:
    return collateral.receive_file(
        certificate=certificate,
        kind=kind,
        upload=SimpleUploadedFile(name, content),
        actor=actor,
        queue=False,
    )


def _draft(
    facility: Facility,
    actor: User,
    files: dict[str, tuple[str, bytes]],
    *,
    as_of: dt.date = AS_OF,
    process: bool = True,
) -> Certificate:
    """A draft with its files received one by one, each processed as the worker would."""
    certificate = collateral.open_draft(facility=facility, as_of=as_of, actor=actor)
    collateral.set_reported_outstanding(
        certificate=certificate, outstanding=Decimal("100000.00"), actor=actor
    )
    for kind, (name, content) in files.items():
        received = _receive(certificate, actor, kind, name, content)
        if process:
            process_collateral_file_task(received.pk)
    return Certificate.objects.get(pk=certificate.pk)


def _submitted(facility: Facility, actor: User, files: dict[str, tuple[str, bytes]]) -> Certificate:
    return certificates.submit_certificate(
        certificate=_draft(facility, actor, files),
        actor=actor,
        name="David Gamsey",
        title="Chief Financial Officer",
    )


def _discarded(certificate: Certificate) -> Certificate:
    """As the borrower's discard leaves it; set directly, whatever service comes to do it."""
    certificate.files.update(status=CollateralFile.Status.DISCARDED)
    certificate.status = Certificate.Status.DISCARDED
    certificate.save(update_fields=["status"])
    return certificate
