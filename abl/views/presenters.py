"""Turning stored figures into what a certificate page shows. Reads only."""

import logging
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import F

from abl.access import may_report, may_review
from abl.calc.borrowing_base import over_advance
from abl.calc.receivables import CATEGORIES
from abl.calc.report import label
from abl.calc.rollforward import compare_figures
from abl.forms import (
    CertifyForm,
    ConsentForm,
    DiscardForm,
    ReplaceFileForm,
    ReportedIneligiblesForm,
    ReserveChangeForm,
    ReserveFormSet,
    ReviewForm,
    RollForwardForm,
)
from abl.models import (
    Certificate,
    CertificateExport,
    CollateralFile,
    Computation,
    CustomerLine,
    Role,
    User,
)
from abl.services.certificates import ROLL_FORWARD_FIELDS, latest_approved
from abl.services.collateral import files_replaced_by_upload, replacement_notice
from abl.services.computations import recomputation_pending
from abl.services.reconciliation import (
    reported_differences,
    roll_forwards,
    unexplained_differences,
)
from abl.views.lines import COLUMNS, certificate_lines

COMPARED = [
    "gross_receivables",
    *[f"ineligible_receivables.{c}" for c in CATEGORIES],
    "eligible_receivables",
    "receivables_availability",
    "gross_inventory",
    "eligible_inventory",
    "inventory_availability",
    "reserves",
    "borrowing_base",
    "outstanding",
    "excess_availability",
]

logger = logging.getLogger(__name__)


def figure_lines(computation: Computation) -> dict[str, Any]:
    """Gross → each ineligible → eligible → rate → availability, for receivables and inventory."""
    figures = computation.figures
    terms = computation.inputs.get("terms", {})
    reported = _decimal_or_none(computation.inputs.get("reported_outstanding"))
    money = {
        k: Decimal(v)
        for k, v in figures.items()
        if isinstance(v, str) and k != "reporting_frequency"
    }
    shown = {
        "computation": computation,
        "has_inventory": any(
            f.get("kind") == "inventory" for f in computation.inputs.get("files", [])
        ),
        "figures": figures,
        "money": money,
        "ar_categories": [
            (c, label(c), Decimal(figures["ineligible_receivables"].get(c, "0")))
            for c in CATEGORIES
        ],
        "inv_categories": [
            (c, label(c), Decimal(v)) for c, v in figures.get("ineligible_inventory", {}).items()
        ],
        "ar_rate": Decimal(str(terms.get("receivables", {}).get("advance_rate", "0"))),
        "inventory_sublimit": terms.get("inventory", {}).get("sublimit"),
        "reserves": terms.get("reserves", []),
        "excess_pct": Decimal(figures["excess_availability_pct"]) * 100,
        "reported_outstanding": reported,
        "reported_difference": None if reported is None else reported - money["outstanding"],
        "over_advance": over_advance(money["excess_availability"]),
    }
    return {**shown, "lines": certificate_lines(shown), "columns": COLUMNS}


def _decimal_or_none(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


ZERO_MONEY = Decimal("0")


def customer_changes(
    current: Computation, previous: Computation, limit: int = 10
) -> list[dict[str, Any]]:
    """The customers whose eligible receivables moved most between two computations (3 queries:
    each computation's eligible figure by customer, then the lines of the `limit` shown)."""
    now = dict(_eligible_by_customer(current))
    before = dict(_eligible_by_customer(previous))
    moved = sorted(
        (
            (now.get(c, ZERO_MONEY) - before.get(c, ZERO_MONEY), c)
            for c in now.keys() | before.keys()
            if now.get(c, ZERO_MONEY) != before.get(c, ZERO_MONEY)
        ),
        key=lambda change: (-abs(change[0]), change[1]),
    )[:limit]
    shown = [c for _, c in moved]
    lines = {
        (line.computation_id, line.customer_id): line
        for line in CustomerLine.objects.filter(
            computation__in=[current, previous], customer_id__in=shown
        )
    }
    rows = []
    for change, customer_id in moved:
        a, b = lines.get((current.pk, customer_id)), lines.get((previous.pk, customer_id))
        rows.append(
            {
                "customer_id": customer_id,
                "name": (a or b).customer_name,  # type: ignore[union-attr]
                "now": now.get(customer_id, ZERO_MONEY),
                "before": before.get(customer_id, ZERO_MONEY),
                "change": change,
                "why": _why(a),
            }
        )
    return rows


def _eligible_by_customer(computation: Computation) -> Any:
    return CustomerLine.objects.filter(computation=computation).values_list(
        "customer_id", "eligible"
    )


def _why(line: CustomerLine | None) -> str:
    if line is None:
        return "no longer in the aging"
    return ", ".join(line.reasons()) or "fully eligible"


def files_panel(certificate: Certificate) -> dict[str, Any]:
    """The files panel: the files listed (a replaced one is on record, not shown), the refused
    attempts folded into a history below them, and whether the page must keep polling (a file
    is being checked, or the figures recomputed).

    The table holds each kind's file in use; a kind with none holds its newest refused attempt
    instead, the one to act on. Every other refused attempt goes to `refused_attempts`.
    """
    files = list(
        certificate.files.exclude(status=CollateralFile.Status.REPLACED).select_related(
            "uploaded_by"
        )
    )
    refused = CollateralFile.Status.REFUSED
    in_use = {f.kind for f in files if f.status != refused}
    newest_refused: dict[str, CollateralFile] = {}
    for f in sorted(files, key=lambda f: f.pk):  # the newest of each kind last, so it stays
        if f.status == refused and f.kind not in in_use:
            newest_refused[f.kind] = f
    shown = [f for f in files if f.status != refused or newest_refused.get(f.kind) is f]
    recomputing = recomputation_pending(certificate)
    return {
        "certificate": certificate,
        "files": shown,
        "refused_attempts": [f for f in files if f not in shown],
        "pending": recomputing or any(not f.is_finished for f in files),
        "recomputing": recomputing,
    }


def read_computations(certificate: Certificate) -> None:
    """Attach the certificate's current, submitted and approved computations, read in one
    query, each with its terms version's number (`terms_version_number`)."""
    names = ("current", "submitted", "approved")
    ids = {getattr(certificate, f"{name}_id") for name in names} - {None}
    found = Computation.objects.annotate(terms_version_number=F("terms_version__version")).in_bulk(
        ids
    )
    for name in names:
        pk = getattr(certificate, f"{name}_id")
        if pk is not None:
            setattr(certificate, name, found[pk])


# Two computations compared are kept in Django's cache for a day: a computation never
# changes once stored, so the comparison of two never does either. The key names each
# with its creation time too, which a database restored or rebuilt would not repeat.
COMPARISON_SECONDS = 24 * 3600


def comparison_with(current: Computation, previous: Computation) -> dict[str, Any]:
    """The figures side by side and the customers that moved most (2 queries, then cached)."""
    key = "abl.comparison:" + ":".join(
        f"{c.pk}@{c.created_at.isoformat()}" for c in (current, previous)
    )
    try:
        compared = cache.get(key)
    except Exception:  # the cache is a saving, never a failure
        logger.warning("cache unreachable; comparing %s afresh", key, exc_info=True)
        compared = None
    if compared is None:
        compared = {
            "comparison": [
                (label(c.key), c.current, c.previous, c.change)
                for c in compare_figures(current.figures, previous.figures, COMPARED)
            ],
            "customer_changes": customer_changes(current, previous),
        }
        try:
            cache.set(key, compared, COMPARISON_SECONDS)
        except Exception:
            logger.warning("cache unreachable; %s not kept", key, exc_info=True)
    return compared


def certificate_title(certificate: Certificate) -> str:
    """The certificate page's title (the browser's tab)."""
    return f"Certificate as of {certificate.as_of}"


def certificate_actions(certificate: Certificate, user: User) -> tuple[bool, bool]:
    """Whether the user edits the certificate now (the borrower's forms) and reviews it (the
    analyst's); with neither, its page has no form."""
    can_edit = certificate.is_editable and may_report(user, certificate.facility)
    return can_edit, may_review(user, certificate)


def corrections(certificate: Certificate, user: User) -> dict[str, Any]:
    """The links between a returned certificate and the draft correcting it, both ways, and
    whether the user may start that draft now."""
    correction = None
    if certificate.status == Certificate.Status.RETURNED:
        correction = (
            certificate.corrections.exclude(status=Certificate.Status.DISCARDED)
            .order_by("-pk")
            .first()
        )
    return {
        "corrects": certificate.corrects,
        "correction": correction,
        "may_correct": certificate.status == Certificate.Status.RETURNED
        and correction is None
        and may_report(user, certificate.facility),
    }


def certificate_context(certificate: Certificate, user: User) -> dict[str, Any]:
    read_computations(certificate)
    can_edit, can_review = certificate_actions(certificate, user)
    context: dict[str, Any] = {
        **files_panel(certificate),
        "title": certificate_title(certificate),
        "facility": certificate.facility,
        "can_edit": can_edit,
        "can_review": can_review,
        "is_analyst": user.role == Role.ANALYST,
        **corrections(certificate, user),
    }
    shown = certificate.current
    if shown is not None:
        context["shown"] = shown
        context.update(figure_lines(shown))
        context.update(export_panel(certificate, shown))
        context["roll_forwards"] = roll_forwards(certificate, shown.figures)
        context["reported_differences"] = reported_differences(certificate, shown.figures)
        context["to_explain"] = unexplained_differences(certificate, shown.figures)
        previous = latest_approved(certificate.facility, before=certificate.as_of)
        if previous is not None and previous.approved is not None and previous.pk != certificate.pk:
            context["previous"] = previous
            context.update(comparison_with(shown, previous.approved))
    if certificate.submitted and certificate.submitted_id != certificate.current_id:
        context["submitted_figures"] = figure_lines(certificate.submitted)
    if can_edit:
        context["would_replace"] = [
            (f.get_kind_display(), replacement_notice([f]))
            for f in files_replaced_by_upload(certificate).values()
        ]
        context.setdefault("replace_form", ReplaceFileForm())
        context.setdefault("discard_form", DiscardForm())
        context.setdefault(
            "rollforward_form",
            RollForwardForm(
                initial={name: getattr(certificate, name) for name in ROLL_FORWARD_FIELDS}
            ),
        )
        context.setdefault(
            "reported_form",
            ReportedIneligiblesForm(
                initial=certificate.reported_ineligibles, categories=CATEGORIES, prefix="reported"
            ),
        )
        context.setdefault(
            "certify_form", CertifyForm(initial={"name": user.get_full_name(), "title": user.title})
        )
    if can_review:
        context.setdefault(
            "reserves_formset",
            ReserveFormSet(
                initial=[
                    {"name": r["name"], "amount": r["amount"], "reason": r.get("reason", "")}
                    for r in context.get("reserves", [])
                ],
                prefix="reserve",
            ),
        )
        context.setdefault("reserves_form", ReserveChangeForm())
        context.setdefault("consent_form", ConsentForm(prefix="consent"))
        context.setdefault("review_form", ReviewForm())
    return context


def export_panel(certificate: Certificate, computation: Computation) -> dict[str, object]:
    """What the certificate page's spreadsheet panel shows: the computation's export, if asked."""
    export = CertificateExport.objects.filter(computation=computation).first()
    ready = export is not None and export.status == CertificateExport.Status.READY
    lost = ready and export is not None and not export.available
    return {
        "certificate": certificate,
        "computation": computation,
        "export": export,
        "export_lost": lost,
        "export_pending": export is not None
        and export.status in (CertificateExport.Status.QUEUED, CertificateExport.Status.BUILDING),
    }
