"""The monthly fee statement (§9; docs/fees.md): its charges as posted, and its PDF stored
once per state."""

from abl import business_date
from abl.audit import record
from abl.calc import fees as rules
from abl.calc.fees import Month
from abl.calc.money import ZERO, money_text
from abl.models import Facility, FeeCharge, FieldExam
from abl.models.fees import FeeStatementDocument
from abl.services.documents import store_once
from abl.services.terms import newest_terms


def fee_statement(*, facility: Facility, month: Month) -> rules.FeeStatement:
    """The facility's charges dated in `month`, as posted, and the field exams done in it that
    are not charged, at 0.00 with the reason (read-only)."""
    charges = FeeCharge.objects.filter(
        facility=facility, date__gte=month.first, date__lte=month.last
    ).values_list("date", "kind", "description", "amount")
    lines = [rules.StatementLine(day, kind, text, amount) for day, kind, text, amount in charges]
    lines += [
        rules.StatementLine(exam.done_on, "field_exam", _not_charged_text(exam), ZERO)
        for exam in FieldExam.objects.filter(
            facility=facility, done_on__gte=month.first, done_on__lte=month.last
        ).exclude(not_charged="")
        if exam.done_on is not None
    ]
    return rules.fee_statement(facility.slug, month, lines)


def _not_charged_text(exam: FieldExam) -> str:
    """A field exam held beyond the year's most charged, on the statement at 0.00 (§9)."""
    return f"Field exam, done {exam.done_on}. {exam.not_charged} Held: {exam.hold_reason}"


def pricing_placeholder(facility: Facility) -> bool:
    """Whether the facility's pricing levels are placeholders (not given by the letter)."""
    terms = newest_terms([facility]).get(facility.pk)
    return terms is not None and terms.pricing is not None and not terms.pricing.given_by_letter


def stored_statement(
    *, facility: Facility, month: Month, statement: rules.FeeStatement, placeholder: bool
) -> FeeStatementDocument | None:
    """The PDF stored for the statement as it stands, if it was rendered."""
    return FeeStatementDocument.objects.filter(
        facility=facility, period=month.first, state=statement.state(placeholder=placeholder)
    ).first()


def render_statement_document(*, facility: Facility, month: Month) -> FeeStatementDocument:
    """The month's statement as a PDF as it stands now: the stored one, or rendered now and
    stored with its SHA-256 (once per state: `documents.store_once`), audited."""
    statement = fee_statement(facility=facility, month=month)
    placeholder = pricing_placeholder(facility)
    state = statement.state(placeholder=placeholder)
    rendered_on = business_date.today()

    def render() -> bytes:
        from abl.documents import fee_statement_pdf  # WeasyPrint's templates: slow to import

        return fee_statement_pdf(
            facility, statement, placeholder=placeholder, rendered_on=rendered_on
        )

    def create(pdf: bytes, sha256: str) -> FeeStatementDocument:
        document = FeeStatementDocument.objects.create(
            facility=facility,
            period=month.first,
            state=state,
            total=statement.total,
            pdf=pdf,
            sha256=sha256,
            rendered_on=rendered_on,
        )
        record(
            actor=None,
            action="fees.statement_rendered",
            obj=document,
            facility=facility,
            summary=f"Fee statement {month} rendered as a PDF, total {money_text(statement.total)} "
            f"({len(pdf):,} bytes)",
            changes={"month": str(month), "state": state, "sha256": sha256},
        )
        return document

    return store_once(
        stored=lambda: stored_statement(
            facility=facility, month=month, statement=statement, placeholder=placeholder
        ),
        render=render,
        create=create,
    )


def statement_documents(*, facility: Facility, month: Month) -> list[FeeStatementDocument]:
    """Every PDF stored of the month's statement, newest first, without their bytes."""
    return list(
        FeeStatementDocument.objects.filter(facility=facility, period=month.first)
        .defer("pdf")
        .order_by("-rendered_at", "-pk")
    )
