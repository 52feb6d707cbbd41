"""The borrowing base certificate's workflow: the borrower's figures, certified, reviewed.

Every function is keyword-only, transactional and audited. A returned certificate is
corrected and resubmitted through a new draft that carries its files and figures over. A submitted
certificate's figures never change: later computations (after a reserve or a
consent) are new Computation rows; `submitted` keeps pointing at the original.
Computing is in abl/services/computations.py; terms changes in abl/services/terms.py.
"""

import datetime as dt
from decimal import Decimal

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from abl import business_date
from abl.access import may_report, review_refusal
from abl.audit import record
from abl.calc.money import money_text
from abl.locks import lock_facility
from abl.models import (
    Certificate,
    CollateralFile,
    Facility,
    Notification,
    Role,
    User,
)
from abl.services.computations import compute_certificate
from abl.services.documents import queue_certificate_document
from abl.services.errors import CertificateError
from abl.services.notifications import queue_certificate_notification
from abl.services.processing.claims import pending_files
from abl.services.reconciliation import unexplained_differences
from abl.webhooks import services as webhooks
from abl.webhooks.calc import events
from reporting.services.cadence import queue_reevaluation
from reporting.services.calendar import fulfil_certificate_items, reopen_certificate_items

Status = Certificate.Status
Kind = CollateralFile.Kind


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
    lock_facility(certificate.facility_id)
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
    lock_facility(certificate.facility_id)
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
    certificate.submitted_at, certificate.submitted_on = timezone.now(), business_date.today()
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
    webhooks.publish(
        events.CERTIFICATE_SUBMITTED,
        facility=certificate.facility,
        data={
            "certificate": certificate.pk,
            "as_of": certificate.as_of.isoformat(),
            "borrowing_base": str(certificate.submitted.figures["borrowing_base"]),
            "certified_by": certificate.certified_name,
        },
    )
    queue_certificate_document(certificate=certificate)
    fulfil_certificate_items(certificate=certificate, actor=actor)
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
    lock_facility(certificate.facility_id)
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
    certificate.reviewed_on = business_date.today()
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
    webhooks.publish(
        events.CERTIFICATE_APPROVED,
        facility=certificate.facility,
        data={
            "certificate": certificate.pk,
            "as_of": certificate.as_of.isoformat(),
            "borrowing_base": str(computation.figures["borrowing_base"]),
        },
    )
    queue_certificate_document(certificate=certificate)
    queue_reevaluation(certificate.facility_id, f"certificate {certificate.pk} approved")
    return certificate


@transaction.atomic
def return_certificate(*, certificate: Certificate, actor: User, comment: str) -> Certificate:
    lock_facility(certificate.facility_id)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_reviewer(certificate, actor)
    if not comment.strip():
        raise CertificateError(
            "Say what the borrower must change: a comment is required to return."
        )
    certificate.status = Status.RETURNED
    certificate.reviewed_by, certificate.reviewed_at = actor, timezone.now()
    certificate.reviewed_on = business_date.today()
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
    webhooks.publish(
        events.CERTIFICATE_RETURNED,
        facility=certificate.facility,
        data={
            "certificate": certificate.pk,
            "as_of": certificate.as_of.isoformat(),
            "comment": certificate.review_comment,
        },
    )
    reopen_certificate_items(certificate=certificate, actor=actor)
    return certificate


def correct_returned_certificate(*, certificate: Certificate, actor: User) -> Certificate:
    """Correct and resubmit: a new draft for the returned certificate's date, carrying over its
    accepted files (copied, checked again) and the borrower's figures (roll-forward, reported
    ineligibles, reported outstanding).

    The returned certificate stays as it was, on record; the draft names it
    (`corrects`). Run again while that draft is open, submitted or approved, it
    answers the same draft; all or nothing otherwise (no draft, no file, no byte).
    """
    from abl.services.collateral import files_kept_only_on_success, receive_file

    with files_kept_only_on_success(), transaction.atomic():
        lock_facility(certificate.facility_id)
        returned = (
            Certificate.objects.select_for_update()
            .select_related("facility")
            .get(pk=certificate.pk)
        )
        if not may_report(actor, returned.facility):
            raise CertificateError(
                f"Only a user of {returned.facility.borrower} corrects its certificates."
            )
        if returned.status != Status.RETURNED:
            raise CertificateError(
                "Only a returned certificate is corrected and resubmitted; "
                f"this one is {returned.get_status_display().lower()}."
            )
        existing = returned.corrections.exclude(status=Status.DISCARDED).order_by("-pk").first()
        if existing is not None:
            return existing
        if open_one := returned.facility.certificates.filter(
            as_of=returned.as_of, status__in=[Status.DRAFT, Status.SUBMITTED]
        ).first():
            raise CertificateError(
                f"A certificate as of {returned.as_of} is already "
                f"{open_one.get_status_display().lower()} (no. {open_one.pk}); "
                "correct that one, or discard it first."
            )
        draft = Certificate.objects.create(
            facility=returned.facility,
            as_of=returned.as_of,
            created_by=actor,
            corrects=returned,
            reported_outstanding=returned.reported_outstanding,
            reported_ineligibles=dict(returned.reported_ineligibles),
            **{name: getattr(returned, name) for name in ROLL_FORWARD_FIELDS},
        )
        carried = list(returned.files.filter(status=CollateralFile.Status.ACCEPTED).order_by("pk"))
        for old in carried:
            with old.stored.open("rb") as content:
                receive_file(
                    certificate=draft,
                    kind=old.kind,
                    upload=File(content, name=old.original_name),
                    actor=actor,
                )
        # Every row receive_file locks (the facility's, the draft's, written here) is held
        # already, so no record() here or in it is followed by a new lock (abl/locks.py).
        record(
            actor=actor,
            action="certificate.correction_started",
            obj=draft,
            facility=returned.facility,
            summary=f"Draft certificate as of {returned.as_of} started to correct the one "
            f"returned ({returned.pk}): {len(carried)} file(s) and the borrower's figures "
            "carried over",
            changes={"corrects": returned.pk, "files": [f.pk for f in carried]},
        )
        return draft


def latest_approved(facility: Facility, *, before: dt.date | None = None) -> Certificate | None:
    approved = facility.certificates.filter(status=Status.APPROVED).select_related("approved")
    if before is not None:
        approved = approved.filter(as_of__lt=before)
    return approved.order_by("-as_of", "-reviewed_at").first()
