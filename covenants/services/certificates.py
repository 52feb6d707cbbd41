"""The compliance certificate: a statement version's covenant results as a PDF, kept unchanged.

Rendered by a Celery task once a statement of actual figures is submitted
(covenants/tasks.py), from the covenant test made at submission. The PDF is
stored in the database with its SHA-256; the table refuses UPDATE and DELETE
(covenants/migrations/0002), and its one-to-one link to the statement version
is a unique constraint, so rendering again for the same version — a task run
twice, two workers at once — makes no second record: the first one stands.
"""

from typing import Any

from abl.audit import record
from abl.calc.money import money_text
from abl.locks import lock_facility
from abl.services.documents import store_once
from covenants.models import (
    AcceptedCertificate,
    ComplianceCertificate,
    CovenantTest,
    StatementVersion,
)
from covenants.services.errors import CovenantRefused

TEMPLATE = "covenants/compliance_certificate.html"
CERTIFICATION = (
    "I certify, as an officer of the borrower, that the figures in this certificate are "
    "taken from the borrower's financial statements for the period stated, prepared in "
    "accordance with generally accepted accounting principles, and that the covenant "
    "calculations in it are true and correct as of that date."
)


def certificate_context(version: StatementVersion, test: CovenantTest) -> dict[str, Any]:
    from covenants.presenters import figure_rows, result_rows

    statement = version.statement
    return {
        "version": version,
        "statement": statement,
        "facility": statement.facility,
        "test": test,
        "rows": result_rows(test),
        "figures": figure_rows(version),
        "approved_capex": money_text(test.approved_additional_capex),
        "certification": CERTIFICATION,
    }


def _version(version_id: int) -> StatementVersion:
    """The statement version with everything its certificate names."""
    return StatementVersion.objects.select_related(
        "statement__facility__borrower",
        "statement__facility__lender",
        "certified_by",
        "accepted_by",
    ).get(pk=version_id)


def _pdf(version: StatementVersion, test: CovenantTest) -> bytes:
    """The certificate's PDF as the version stands now."""
    from reporting.pdf import render_pdf

    return render_pdf(TEMPLATE, certificate_context(version, test))


def render_compliance_certificate(*, version_id: int) -> ComplianceCertificate:
    """The version's certificate: the stored one, or rendered now and stored (once)."""

    def stored() -> ComplianceCertificate | None:
        return ComplianceCertificate.objects.filter(statement_version_id=version_id).first()

    if (found := stored()) is not None:
        return found
    version = _version(version_id)
    test = version.tests.select_related("terms_version").order_by("id").first()
    if test is None:
        raise CovenantRefused(f"Statement version {version_id} has not been tested.")

    def create(pdf: bytes, digest: str) -> ComplianceCertificate:
        lock_facility(version.statement.facility_id)
        certificate = ComplianceCertificate.objects.create(
            statement_version=version, test=test, pdf=pdf, sha256=digest
        )
        record(
            actor=None,
            action="covenants.certificate_rendered",
            obj=certificate,
            facility=version.statement.facility,
            summary=(
                f"Compliance certificate of the statement {version.statement.period_end} "
                f"v{version.version} rendered (SHA-256 {digest})"
            ),
            changes={"sha256": digest, "bytes": len(pdf)},
        )
        return certificate

    return store_once(stored=stored, render=lambda: _pdf(version, test), create=create)


def render_accepted_certificate(*, version_id: int) -> AcceptedCertificate:
    """The certificate rendered again with the bank's acceptance: the stored one, or now (once).

    The figures and certification are those of the certificate as submitted (the
    same test); only the acceptance section now names who accepted and when.
    """

    def stored() -> AcceptedCertificate | None:
        return AcceptedCertificate.objects.filter(
            certificate__statement_version_id=version_id
        ).first()

    if (found := stored()) is not None:
        return found
    submitted = render_compliance_certificate(version_id=version_id)
    version = _version(version_id)
    if version.accepted_at is None:
        raise CovenantRefused(f"Statement version {version_id} has not been accepted.")

    def create(pdf: bytes, digest: str) -> AcceptedCertificate:
        lock_facility(version.statement.facility_id)
        accepted = AcceptedCertificate.objects.create(certificate=submitted, pdf=pdf, sha256=digest)
        record(
            actor=None,
            action="covenants.accepted_certificate_rendered",
            obj=submitted,
            facility=version.statement.facility,
            summary=(
                f"Compliance certificate of the statement {version.statement.period_end} "
                f"v{version.version} rendered as accepted (SHA-256 {digest})"
            ),
            changes={"sha256": digest, "bytes": len(pdf), "submitted_sha256": submitted.sha256},
        )
        return accepted

    return store_once(stored=stored, render=lambda: _pdf(version, submitted.test), create=create)
