"""A borrowing base certificate's PDF, rendered once per state and kept unchanged.

Rendered when the certificate is submitted (marked DRAFT) and again when it is
approved (abl/tasks.py, queued on commit), by `manage.py render_certificate`,
or when someone downloads it before the worker has. The same state and
computation never make a second record: the first is returned (a unique
constraint is the last line when two renderings race).
"""

import hashlib

from django.db import IntegrityError, transaction

from abl.audit import record
from abl.models import Certificate, CertificateDocument, Computation
from abl.services.errors import CertificateError

State = CertificateDocument.State


def document_state(certificate: Certificate) -> tuple[str, Computation] | None:
    """The state a PDF of the certificate shows now, and its computation; None for a draft."""
    if certificate.status == Certificate.Status.APPROVED and certificate.approved is not None:
        return State.APPROVED, certificate.approved
    if certificate.submitted is not None and certificate.status in (
        Certificate.Status.SUBMITTED,
        Certificate.Status.RETURNED,
    ):
        return State.SUBMITTED, certificate.submitted
    return None


def render_certificate_document(*, certificate_id: int) -> CertificateDocument:
    """The certificate's PDF in its present state: the stored one, or rendered now and stored."""
    certificate = Certificate.objects.select_related(
        "facility__borrower", "facility__lender", "submitted", "approved", "reviewed_by"
    ).get(pk=certificate_id)
    found = document_state(certificate)
    if found is None:
        raise CertificateError(
            f"Certificate {certificate.pk} is a {certificate.get_status_display().lower()} "
            "certificate: it has a PDF once it is submitted."
        )
    state, computation = found
    existing = _stored(certificate, state, computation)
    if existing is not None:
        return existing
    from abl.documents import certificate_pdf  # the pages' presenters, which import services

    pdf = certificate_pdf(certificate, computation, state)  # outside the transaction: slow
    try:
        with transaction.atomic():
            Certificate.objects.select_for_update().get(pk=certificate.pk)
            document = CertificateDocument.objects.create(
                certificate=certificate,
                computation=computation,
                state=state,
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
            )
            record(
                actor=None,
                action="certificate.pdf_rendered",
                obj=certificate,
                facility=certificate.facility,
                summary=f"PDF of the certificate as {state} rendered ({len(pdf):,} bytes)",
                changes={"state": state, "computation": computation.pk, "sha256": document.sha256},
            )
    except IntegrityError:
        stored = _stored(certificate, state, computation)
        if stored is None:
            raise
        return stored
    return document


def _stored(
    certificate: Certificate, state: str, computation: Computation
) -> CertificateDocument | None:
    return CertificateDocument.objects.filter(
        certificate=certificate, state=state, computation=computation
    ).first()


def queue_certificate_document(*, certificate: Certificate) -> None:
    """Render the certificate's PDF in the background once this transaction commits."""
    from abl.tasks import render_certificate_pdf_task

    certificate_id = certificate.pk
    transaction.on_commit(lambda: render_certificate_pdf_task.delay(certificate_id))
