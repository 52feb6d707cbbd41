"""The bank's documents as PDFs: what each shows, rendered by reporting/pdf.py.

The borrowing base certificate: facility and as-of date; every line of the
certificate from the computation of its state (the same lines as the
certificate page, abl/_figures.html); the roll-forwards; the largest ineligible
customers; the officer's certification; the analyst's approval. Until it is
approved every page says DRAFT.

The monthly fee statement: the facility, the month's charges as posted (fees,
interest and interest adjustments) and their total, the same as the statement
page, and the placeholder note when the pricing levels are placeholders.
"""

import datetime as dt
import operator
from functools import reduce
from typing import Any

from django.db.models import F

from abl.calc.fees import FeeStatement
from abl.calc.receivables import CATEGORIES
from abl.models import Certificate, CertificateDocument, Computation, CustomerLine, Facility
from abl.services.reconciliation import roll_forwards
from abl.views.presenters import figure_lines
from reporting.pdf import render_pdf

TEMPLATE = "abl/certificate_pdf.html"
FEE_STATEMENT_TEMPLATE = "abl/fee_statement_pdf.html"
LARGEST = 10


def largest_ineligible(computation: Computation, limit: int = LARGEST) -> list[CustomerLine]:
    """The customers with the most ineligible receivables, most first."""
    total = reduce(operator.add, (F(f"{c}_ineligible") for c in CATEGORIES))
    return list(
        CustomerLine.objects.filter(computation=computation)
        .annotate(ineligible_total=total)
        .filter(ineligible_total__gt=0)
        .order_by("-ineligible_total", "customer_id")[:limit]
    )


def context(certificate: Certificate, computation: Computation, state: str) -> dict[str, Any]:
    return {
        **figure_lines(computation),
        "certificate": certificate,
        "facility": certificate.facility,
        "state": state,
        "draft": state != CertificateDocument.State.APPROVED,
        "roll_forwards": roll_forwards(certificate, computation.figures),
        "largest": largest_ineligible(computation),
        "link": False,
    }


def certificate_pdf(certificate: Certificate, computation: Computation, state: str) -> bytes:
    return render_pdf(TEMPLATE, context(certificate, computation, state))


def fee_statement_pdf(
    facility: Facility, statement: FeeStatement, *, placeholder: bool, rendered_on: dt.date
) -> bytes:
    return render_pdf(
        FEE_STATEMENT_TEMPLATE,
        {
            "rendered_on": rendered_on,
            "facility": facility,
            "month": statement.month,
            "statement": statement,
            "placeholder": placeholder,
        },
    )
