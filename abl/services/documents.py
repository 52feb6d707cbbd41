"""A borrowing base certificate's PDF, rendered once per state and kept unchanged.

Rendered when the certificate is submitted (marked DRAFT) and again when it is
approved (abl/tasks.py, queued on commit), by `manage.py render_certificate`,
or when someone downloads it before the worker has. The same state and
computation never make a second record: the first is returned (a unique
constraint is the last line when two renderings race).

`store_once` is that pattern for any stored PDF (the fee statement's too,
abl/services/fees/statements.py): the stored one, or rendered now and stored once.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

from abl.audit import record
from abl.locks import lock_facility
from abl.models import Certificate, CertificateDocument, Computation
from abl.outbox import enqueue
from abl.services.errors import CertificateError

State = CertificateDocument.State
Stored = TypeVar("Stored")


def store_once(
    *,
    stored: Callable[[], Stored | None],
    render: Callable[[], bytes],
    create: Callable[[bytes, str], Stored],
) -> Stored:
    """A document stored once: `stored()` when there is one; else `render()` it (outside any
    transaction: it is slow) and `create(pdf, sha256)` its row in a transaction of its own,
    with its audit event.

    When another rendering stored the same document meanwhile, the database's
    unique constraint refuses the second row (IntegrityError) and the first one
    stored is returned: rendering again for the same state makes no second record.
    """
    existing = stored()
    if existing is not None:
        return existing
    pdf = render()
    try:
        with transaction.atomic():
            return create(pdf, hashlib.sha256(pdf).hexdigest())
    except IntegrityError:
        found = stored()
        if found is None:
            raise
        return found


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

    def render() -> bytes:
        from abl.documents import certificate_pdf  # the pages' presenters, which import services

        return certificate_pdf(certificate, computation, state)

    def create(pdf: bytes, sha256: str) -> CertificateDocument:
        lock_facility(certificate.facility_id)
        Certificate.objects.select_for_update().get(pk=certificate.pk)
        document = CertificateDocument.objects.create(
            certificate=certificate, computation=computation, state=state, pdf=pdf, sha256=sha256
        )
        record(
            actor=None,
            action="certificate.pdf_rendered",
            obj=certificate,
            facility=certificate.facility,
            summary=f"PDF of the certificate as {state} rendered ({len(pdf):,} bytes)",
            changes={"state": state, "computation": computation.pk, "sha256": sha256},
        )
        return document

    return store_once(
        stored=lambda: _stored(certificate, state, computation), render=render, create=create
    )


def _stored(
    certificate: Certificate, state: str, computation: Computation
) -> CertificateDocument | None:
    return CertificateDocument.objects.filter(
        certificate=certificate, state=state, computation=computation
    ).first()


def queue_certificate_document(*, certificate: Certificate) -> None:
    """Render the certificate's PDF in the background once this transaction commits."""
    from abl.tasks import render_certificate_pdf_task

    enqueue(render_certificate_pdf_task, certificate.pk)
