"""Computing a certificate's figures: from its accepted files, under the facility's terms.

Every computation is kept (`Computation`, with one `CustomerLine` per customer):
computing again on the same files, terms and outstanding returns the existing
one. The outstanding is the loan ledger's balance on the as-of date: a
repayment recorded later with an earlier value date changes it, and the next
computation (approval recomputes) uses it. A terms change recomputes the open certificates by a task
(`recompute_open_certificates`); an approved certificate is never recomputed.
"""

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction

from abl import bulk
from abl.audit import record
from abl.calc.borrowing_base import BorrowingBase, compute_from_frames
from abl.calc.money import money_text
from abl.calc.receivables import CATEGORIES
from abl.calc.report import borrowing_base_json
from abl.calc.terms import FacilityTerms
from abl.locks import lock_facility
from abl.models import (
    Certificate,
    CollateralFile,
    Computation,
    CustomerLine,
    LedgerEntry,
    User,
)
from abl.reading import read_collateral
from abl.services.errors import CertificateError
from abl.services.terms import parsed_version

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
    outstanding = LedgerEntry.objects.filter(facility=certificate.facility).balance_on(
        certificate.as_of
    )
    signature = {
        "files": sorted(f.pk for f in files.values()),
        "terms_version": terms_version.pk,
        "outstanding": str(outstanding),
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
    result = _figures(certificate, parsed_version(terms_version), frames, outstanding)
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
        "outstanding": str(outstanding),
        "reported_outstanding": (
            None
            if certificate.reported_outstanding is None
            else str(certificate.reported_outstanding)
        ),
        "terms_version": terms_version.version,
        "terms": terms_version.data,
    }
    return _store_computation(certificate, terms_version, result, inputs, actor, reason)


def _figures(
    certificate: Certificate,
    terms: FacilityTerms,
    frames: dict[str, pl.DataFrame],
    outstanding: Decimal,
) -> BorrowingBase:
    """The engine's figures from the files' frames."""
    return compute_from_frames(
        terms=terms,
        ar=frames[Kind.RECEIVABLES],
        inventory=frames.get(Kind.INVENTORY),
        payables=frames.get(Kind.PAYABLES),
        as_of=certificate.as_of,
        outstanding=outstanding,
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
    lock_facility(certificate.facility_id)
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
    """One row per customer for the CustomerLine table; money as exact decimal text.

    `first_seq` is where the customer's invoices start in the file's stored order:
    customers in the order of their ids (Python's and polars' string orders agree,
    by code point), each taking as many places as it has invoices.
    """
    first_seq, position = {}, 0
    for customer_id, count in sorted(
        (line.customer.customer_id, line.customer.invoice_count) for line in lines
    ):
        first_seq[customer_id] = position
        position += count
    rows = [
        {
            "customer_id": line.customer.customer_id,
            "customer_name": line.customer.customer_name,
            "country": line.customer.country,
            "affiliate": line.customer.affiliate,
            "government": line.customer.government,
            "invoice_count": line.customer.invoice_count,
            "first_seq": first_seq[line.customer.customer_id],
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
            "first_seq": pl.Int64,
        },
        strict=False,
    )
    return frame.with_columns(pl.lit(computation.pk, dtype=pl.Int64).alias("computation_id"))


def recomputation_pending(certificate: Certificate) -> bool:
    """An open certificate whose figures predate the facility's newest terms (a task is on it)."""
    if certificate.status not in (Status.DRAFT, Status.SUBMITTED) or certificate.current is None:
        return False
    latest = certificate.facility.current_terms()
    return latest is not None and certificate.current.terms_version_id != latest.pk


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
