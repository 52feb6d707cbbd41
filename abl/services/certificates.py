"""The borrowing base certificate: computed, certified, reviewed, approved.

Every function is keyword-only, transactional and audited. A submitted
certificate's figures never change: later computations (after a reserve or a
consent) are new Computation rows; `submitted` keeps pointing at the original.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from abl import bulk, business_date
from abl.access import review_refusal
from abl.audit import record
from abl.calc.borrowing_base import BorrowingBase, compute_from_frames
from abl.calc.money import money_text
from abl.calc.receivables import CATEGORIES
from abl.calc.report import borrowing_base_json
from abl.calc.terms import FacilityTerms, Reserve, parse_terms, with_consent, with_reserves
from abl.models import (
    Certificate,
    CollateralFile,
    Computation,
    CustomerLine,
    Facility,
    Notification,
    Role,
    User,
)
from abl.services.errors import CertificateError
from abl.services.notifications import queue_certificate_notification
from abl.services.processing import pending_files, read_collateral
from abl.services.reconciliation import unexplained_differences
from abl.services.terms import create_terms_version

Status = Certificate.Status
Kind = CollateralFile.Kind


def accepted_files(certificate: Certificate) -> dict[str, CollateralFile]:
    files = certificate.files.filter(status=CollateralFile.Status.ACCEPTED).order_by("uploaded_at")
    return {f.kind: f for f in files}


def compute_certificate(
    *,
    certificate: Certificate,
    actor: User | None,
    reason: str,
    frames: dict[str, pl.DataFrame] | None = None,
) -> Computation | None:
    """Compute the certificate's figures under the facility's newest terms.

    Returns None while there is no accepted receivables file. Computing twice on
    the same files, terms and outstanding returns the existing computation.
    `frames` are the accepted files already read, by kind.
    """
    certificate = Certificate.objects.select_related("facility", "current").get(pk=certificate.pk)
    files = accepted_files(certificate)
    if Kind.RECEIVABLES not in files:
        return None
    terms_version = certificate.facility.current_terms()
    if terms_version is None:
        raise CertificateError("The facility has no terms loaded.")
    signature = {
        "files": sorted(f.pk for f in files.values()),
        "terms_version": terms_version.pk,
        "outstanding": str(certificate.outstanding),
    }
    current = certificate.current
    if current is not None and current.inputs.get("signature") == signature:
        return current
    frames = dict(frames or {})
    for kind, collateral in files.items():
        if kind not in frames:
            frames[kind] = read_collateral(
                kind,
                Path(collateral.stored.path),
                filename=collateral.original_name,
                as_of=certificate.as_of,
            )
    result = _figures(certificate, terms_version.data, frames)
    inputs = {
        "signature": signature,
        "files": [
            {
                "kind": f.kind,
                "name": f.original_name,
                "sha256": f.sha256,
                "rows": f.row_count,
                "total": str(f.total),
            }
            for f in files.values()
        ],
        "outstanding": str(certificate.outstanding),
        "terms_version": terms_version.version,
        "terms": terms_version.data,
    }
    return _store_computation(certificate, terms_version, result, inputs, actor, reason)


def _figures(
    certificate: Certificate, terms_data: dict[str, Any], frames: dict[str, pl.DataFrame]
) -> BorrowingBase:
    """The engine's figures from the files' frames."""
    return compute_from_frames(
        terms=parse_terms(terms_data),
        ar=frames[Kind.RECEIVABLES],
        inventory=frames.get(Kind.INVENTORY),
        payables=frames.get(Kind.PAYABLES),
        as_of=certificate.as_of,
        outstanding=certificate.outstanding,
    )


@transaction.atomic
def _store_computation(
    certificate: Certificate,
    terms_version: Any,
    result: Any,
    inputs: dict[str, Any],
    actor: User | None,
    reason: str,
) -> Computation:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    computation = Computation.objects.create(
        certificate=certificate,
        terms_version=terms_version,
        figures=borrowing_base_json(result),
        inputs=inputs,
        created_by=actor,
        reason=reason,
    )
    bulk.copy_frame(
        CustomerLine._meta.db_table, _customer_lines(computation, result.receivables.customers)
    )
    certificate.current = computation
    certificate.save(update_fields=["current"])
    figures = computation.figures
    record(
        actor=actor,
        action="certificate.computed",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Certificate as of {certificate.as_of} computed ({reason}): borrowing base "
        f"{money_text(figures['borrowing_base'])}, excess availability {money_text(figures['excess_availability'])}",
        changes={"computation": computation.pk, "terms_version": terms_version.version},
    )
    return computation


def _customer_lines(computation: Computation, lines: Any) -> pl.DataFrame:
    """One row per customer for the CustomerLine table; money as exact decimal text."""
    rows = [
        {
            "customer_id": line.customer.customer_id,
            "customer_name": line.customer.customer_name,
            "country": line.customer.country,
            "affiliate": line.customer.affiliate,
            "government": line.customer.government,
            "invoice_count": line.customer.invoice_count,
            "gross": str(line.customer.gross),
            "positive": str(line.customer.pos),
            "positive_aged": str(line.customer.pos_aged),
            "contra_total": str(line.customer.contra),
            "eligible": str(line.eligible),
        }
        | {
            f"{category}_ineligible": str(line.ineligible.get(category, Decimal("0.00")))
            for category in CATEGORIES
        }
        for line in lines
    ]
    frame = pl.DataFrame(
        rows,
        schema_overrides={
            "affiliate": pl.Boolean,
            "government": pl.Boolean,
            "invoice_count": pl.Int64,
        },
        strict=False,
    )
    return frame.with_columns(pl.lit(computation.pk, dtype=pl.Int64).alias("computation_id"))


ROLL_FORWARD_FIELDS = [
    "ar_prior_balance",
    "ar_sales",
    "ar_collections",
    "ar_credits",
    "ar_adjustments",
    "inv_prior_balance",
    "inv_purchases",
    "inv_cost_of_sales",
    "inv_adjustments",
]


@transaction.atomic
def save_borrower_figures(
    *,
    certificate: Certificate,
    actor: User,
    roll_forward: dict[str, Decimal | None],
    reported_ineligibles: dict[str, Decimal | None],
) -> Certificate:
    """The borrower's roll-forward and own ineligibles, kept on the draft."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_facility_borrower(certificate, actor)
    if not certificate.is_editable:
        raise CertificateError("Only a draft can change.")
    before = {name: getattr(certificate, name) for name in ROLL_FORWARD_FIELDS}
    for name in ROLL_FORWARD_FIELDS:
        setattr(certificate, name, roll_forward.get(name))
    certificate.reported_ineligibles = {
        k: str(v) for k, v in reported_ineligibles.items() if v is not None
    }
    certificate.save()
    record(
        actor=actor,
        action="certificate.borrower_figures_saved",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Roll-forward for {certificate.as_of} saved",
        changes={
            name: [str(before[name]), str(roll_forward.get(name))]
            for name in ROLL_FORWARD_FIELDS
            if before[name] != roll_forward.get(name)
        }
        | {"reported_ineligibles": certificate.reported_ineligibles},
    )
    return certificate


def _require_facility_borrower(certificate: Certificate, actor: User) -> None:
    if actor.role != Role.BORROWER or actor.organisation_id != certificate.facility.borrower_id:
        raise CertificateError("Only an officer of the borrower can certify this certificate.")


@transaction.atomic
def submit_certificate(
    *, certificate: Certificate, actor: User, name: str, title: str, explanation: str = ""
) -> Certificate:
    """Certify and submit the draft as an officer of the borrower; its figures are frozen."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_facility_borrower(certificate, actor)
    if certificate.status != Status.DRAFT:
        raise CertificateError(
            f"Only a draft can be submitted; this one is {certificate.get_status_display()}."
        )
    if pending_files(certificate):
        raise CertificateError(
            "A file is still being processed; wait until it is accepted or refused."
        )
    if certificate.current is None:
        raise CertificateError("Upload an accepted receivables aging before submitting.")
    if not name.strip() or not title.strip():
        raise CertificateError("The certifying officer's name and title are required.")
    to_explain = unexplained_differences(certificate, certificate.current.figures)
    if to_explain and not explanation.strip():
        raise CertificateError("Explain the differences before certifying: " + " ".join(to_explain))
    certificate.explanation = explanation.strip() if to_explain else ""
    certificate.status = Status.SUBMITTED
    certificate.submitted = certificate.current
    certificate.submitted_by = actor
    certificate.submitted_at = timezone.now()
    certificate.certified_name, certificate.certified_title = name.strip(), title.strip()
    certificate.save()
    record(
        actor=actor,
        action="certificate.submitted",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Certificate as of {certificate.as_of} certified by {certificate.certified_name}, "
        f"{certificate.certified_title}: borrowing base {money_text(certificate.submitted.figures['borrowing_base'])}",
        changes={"computation": certificate.submitted.pk},
    )
    queue_certificate_notification(certificate=certificate, event=Notification.Event.SUBMITTED)
    return certificate


def _require_reviewer(certificate: Certificate, actor: User) -> None:
    refusal = review_refusal(actor, certificate)
    if refusal is not None:
        raise CertificateError(refusal)


@transaction.atomic
def approve_certificate(*, certificate: Certificate, actor: User, comment: str = "") -> Certificate:
    """Approve under the newest terms (reserves included); it becomes the current borrowing base.

    One locked step: the certificate is locked, checked, computed and approved in
    one transaction, so two analysts deciding at once cannot both act on it.
    """
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_reviewer(certificate, actor)
    computation = compute_certificate(
        certificate=certificate, actor=actor, reason="Approval under current terms"
    )
    if computation is None:
        raise CertificateError("This certificate has no accepted receivables to approve.")
    certificate.refresh_from_db()
    certificate.status = Status.APPROVED
    certificate.approved = computation
    certificate.reviewed_by, certificate.reviewed_at = actor, timezone.now()
    certificate.review_comment = comment.strip()
    certificate.save()
    submitted = (
        money_text(certificate.submitted.figures["borrowing_base"])
        if certificate.submitted
        else "—"
    )
    record(
        actor=actor,
        action="certificate.approved",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Certificate as of {certificate.as_of} approved: borrowing base "
        f"{money_text(computation.figures['borrowing_base'])} (submitted {submitted})",
        changes={"computation": computation.pk, "comment": certificate.review_comment},
    )
    queue_certificate_notification(certificate=certificate, event=Notification.Event.APPROVED)
    return certificate


@transaction.atomic
def return_certificate(*, certificate: Certificate, actor: User, comment: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_reviewer(certificate, actor)
    if not comment.strip():
        raise CertificateError(
            "Say what the borrower must change: a comment is required to return."
        )
    certificate.status = Status.RETURNED
    certificate.reviewed_by, certificate.reviewed_at = actor, timezone.now()
    certificate.review_comment = comment.strip()
    certificate.save()
    record(
        actor=actor,
        action="certificate.returned",
        obj=certificate,
        facility=certificate.facility,
        summary=f"Certificate as of {certificate.as_of} returned: {certificate.review_comment}",
    )
    queue_certificate_notification(certificate=certificate, event=Notification.Event.RETURNED)
    return certificate


@transaction.atomic
def _change_terms(
    *,
    facility: Facility,
    change: Callable[[FacilityTerms], FacilityTerms],
    actor: User,
    reason: str,
    effective_date: dt.date | None,
) -> None:
    """A new terms version made from the current one, under the facility's lock.

    The open certificates are recomputed by a task once this commits; an
    approved certificate keeps the figures it was approved with.
    """
    if actor.role != Role.ANALYST:
        raise CertificateError("Only an ABL analyst changes a facility's reserves or consents.")
    today = business_date.today()
    effective_date = effective_date or today
    if effective_date > today:
        raise CertificateError(
            f"A change cannot take effect on {effective_date}, after today's business date {today}."
        )
    Facility.objects.select_for_update().get(pk=facility.pk)
    create_terms_version(
        facility=facility,
        terms=change(current_facility_terms(facility)),
        actor=actor,
        reason=reason,
        effective_date=effective_date,
    )
    from abl.tasks import recompute_open_certificates_task

    transaction.on_commit(
        lambda: recompute_open_certificates_task.delay(facility.pk, actor.pk, reason)
    )


def recomputation_pending(certificate: Certificate) -> bool:
    """An open certificate whose figures predate the facility's newest terms (a task is on it)."""
    if certificate.status not in (Status.DRAFT, Status.SUBMITTED) or certificate.current is None:
        return False
    latest = certificate.facility.current_terms()
    return latest is not None and certificate.current.terms_version_id != latest.pk


def current_facility_terms(facility: Facility) -> FacilityTerms:
    version = facility.current_terms()
    if version is None:
        raise CertificateError("The facility has no terms loaded.")
    return parse_terms(version.data)


def set_reserves(
    *,
    facility: Facility,
    reserves: list[Reserve],
    actor: User,
    reason: str,
    effective_date: dt.date | None = None,
) -> None:
    """Replace the facility's reserves: a new terms version, then open certificates recomputed.

    The version takes effect on `effective_date` (the business date when not given).
    """
    if not reason.strip():
        raise CertificateError("A reason is required for every reserve change.")
    _change_terms(
        facility=facility,
        change=lambda terms: with_reserves(terms, reserves),
        actor=actor,
        reason=reason.strip(),
        effective_date=effective_date,
    )


def record_consent(
    *,
    facility: Facility,
    program: str,
    received: bool,
    actor: User,
    reason: str,
    effective_date: dt.date | None = None,
) -> None:
    """Record a program's consent (received or withdrawn) as of the consent's own date."""
    state = "received" if received else "withdrawn"
    _change_terms(
        facility=facility,
        change=lambda terms: with_consent(terms, program, received),
        actor=actor,
        reason=reason.strip() or f"{program} consent {state}",
        effective_date=effective_date,
    )


def recompute_open_certificates(*, facility_id: int, actor_id: int | None, reason: str) -> int:
    """Recompute drafts and certificates under review after the terms changed."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    open_certificates = Certificate.objects.filter(
        facility_id=facility_id, status__in=[Status.DRAFT, Status.SUBMITTED]
    )
    count = 0
    for certificate in open_certificates:
        if compute_certificate(
            certificate=certificate, actor=actor, reason=f"Terms changed: {reason}"
        ):
            count += 1
    return count


def latest_approved(facility: Facility, *, before: dt.date | None = None) -> Certificate | None:
    approved = facility.certificates.filter(status=Status.APPROVED).select_related("approved")
    if before is not None:
        approved = approved.filter(as_of__lt=before)
    return approved.order_by("-as_of", "-reviewed_at").first()
