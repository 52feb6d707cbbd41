"""The fee pages: the monthly statement (page and stored PDF), posting a month, field exams,
the base rate series."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abl import business_date
from abl.access import facilities_for, get_facility_for_user, may_keep_books, signed_in_user
from abl.calc.fees import Month, percent_text
from abl.calc.money import money_text
from abl.fee_forms import BaseRateForm, PostFeesForm, RecordExamForm, ScheduleExamForm
from abl.forms import show_refusal
from abl.models import BaseRate, Facility, FieldExam
from abl.models.fees import FeeStatementDocument
from abl.services import fees


def _month(request: HttpRequest) -> tuple[Month | None, str]:
    """?month=YYYY-MM, or the month before the business date's; (None, why) when it is not one."""
    text = request.GET.get("month", "")
    if not text:
        return Month.of(business_date.today()).previous(), ""
    try:
        return Month.parse(text[:20]), ""
    except ValueError as error:
        return None, f"month: {error}"


def _statement_context(
    facility: Facility,
    request: HttpRequest,
    *,
    month: Month | None = None,
    post_form: PostFeesForm | None = None,
) -> dict[str, Any]:
    error = ""
    if month is None:
        month, error = _month(request)
    statement = fees.fee_statement(facility=facility, month=month) if month else None
    placeholder = fees.pricing_placeholder(facility)
    keeper = may_keep_books(signed_in_user(request))
    stored = fees.statement_documents(facility=facility, month=month) if month and statement else []
    state = statement.state(placeholder=placeholder) if statement else None
    return {
        "facility": facility,
        "month": month,
        "error": error,
        "statement": statement,
        "placeholder": placeholder,
        "document": next((d for d in stored if d.state == state), None),
        "earlier_documents": [d for d in stored if d.state != state],
        "post_form": (post_form or PostFeesForm(prefix="post", initial={"month": month or ""}))
        if keeper
        else None,
    }


@login_required
@require_GET
def fee_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The facility's fees and interest for a month, as posted to the loan."""
    context = _statement_context(get_facility_for_user(signed_in_user(request), pk), request)
    return render(
        request, "abl/fee_statement.html", context, status=400 if context["error"] else 200
    )


def _pdf_response(document: FeeStatementDocument, facility: Facility) -> HttpResponse:
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    name = f"fees-{facility.slug}-{document.period:%Y-%m}-{document.sha256[:12]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def fee_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The statement as it stands, as a PDF: the one stored for this state, rendered and
    stored the first time it is asked for (once per state)."""
    facility = get_facility_for_user(signed_in_user(request), pk)
    month, _ = _month(request)
    if month is None:
        context = _statement_context(facility, request)
        return render(request, "abl/fee_statement.html", context, status=400)
    return _pdf_response(fees.render_statement_document(facility=facility, month=month), facility)


@login_required
@require_GET
def fee_statement_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored PDF of a statement, as it was rendered (an earlier state too)."""
    document = (
        FeeStatementDocument.objects.filter(
            pk=pk, facility__in=facilities_for(signed_in_user(request))
        )
        .select_related("facility")
        .first()
    )
    if document is None:
        raise Http404("No such statement")
    return _pdf_response(document, document.facility)


@login_required
@require_POST
def post_fees(request: HttpRequest, pk: int) -> HttpResponse:
    """An analyst posts a month's fees and interest of the facility (`fees.post_fees`, the
    service beat and `manage.py post_fees` run): idempotent, audited with who posted."""
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    if not may_keep_books(user):
        raise Http404("Only analysts post fees")
    form = PostFeesForm(request.POST, prefix="post")
    month = None
    if form.is_valid():
        month = form.cleaned_data["month"]
        try:
            charges = fees.post_fees(month=month, facility_ids=[facility.pk], actor=user)
        except fees.FeeRefused as error:
            form.add_error("month" if error.field == "month" else None, str(error))
        else:
            if charges:
                total = sum((c.amount for c in charges), Decimal("0.00"))
                messages.success(
                    request, f"{len(charges)} charges posted for {month}: {money_text(total)}."
                )
            else:
                messages.info(
                    request, f"Nothing to post for {month}: every charge is already posted."
                )
            return redirect(f"{reverse('fee_statement', args=[facility.pk])}?month={month}")
    context = _statement_context(facility, request, month=month, post_form=form)
    return render(request, "abl/fee_statement.html", context, status=400)


def _record_ids(exam: FieldExam) -> str:
    """Each exam's record form's own field ids, apart from the schedule form's on the page."""
    return f"id_exam_{exam.pk}_%s"


def _exams_page(
    request: HttpRequest,
    facility: Facility,
    *,
    schedule_form: ScheduleExamForm | None = None,
    failed: tuple[int, RecordExamForm] | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    keeper = may_keep_books(user)
    exams = list(
        FieldExam.objects.filter(facility=facility)
        .select_related("charge")
        .order_by("-scheduled_for", "-pk")
    )
    rows = [
        (
            exam,
            failed[1]
            if failed and failed[0] == exam.pk
            else RecordExamForm(initial={"fee": exam.fee}, auto_id=_record_ids(exam)),
        )
        for exam in exams
    ]
    context = {
        "facility": facility,
        "rows": rows,
        "keeper": keeper,
        "schedule_form": schedule_form or ScheduleExamForm(),
    }
    invalid = (schedule_form is not None and schedule_form.errors) or failed is not None
    return render(request, "abl/field_exams.html", context, status=400 if invalid else 200)


@login_required
@require_http_methods(["GET", "POST"])
def field_exams(request: HttpRequest, pk: int) -> HttpResponse:
    """The facility's field exams; analysts schedule one here."""
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    if request.method == "GET":
        return _exams_page(request, facility)
    if not may_keep_books(user):
        raise Http404("Only analysts schedule field exams")
    form = ScheduleExamForm(request.POST)
    if form.is_valid():
        try:
            exam = fees.schedule_field_exam(
                facility=facility,
                actor=user,
                scheduled_for=form.cleaned_data["scheduled_for"],
                notes=form.cleaned_data["notes"],
                reason=form.cleaned_data["reason"],
            )
        except fees.FeeRefused as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Field exam scheduled for {exam.scheduled_for}.")
            return redirect("field_exams", facility.pk)
    return _exams_page(request, facility, schedule_form=form)


@login_required
@require_POST
def record_field_exam(request: HttpRequest, pk: int) -> HttpResponse:
    """An analyst records an exam as done with its actual fee."""
    user = signed_in_user(request)
    exam = FieldExam.objects.filter(pk=pk, facility__in=facilities_for(user)).first()
    if exam is None or not may_keep_books(user):
        raise Http404("No such field exam")
    form = RecordExamForm(request.POST, auto_id=_record_ids(exam))
    if form.is_valid():
        data = form.cleaned_data
        try:
            fees.record_field_exam(
                exam=exam,
                actor=user,
                done_on=data["done_on"],
                fee=data["fee"],
                notes=data["notes"],
                reason=data["reason"],
            )
        except fees.FeeRefused as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Field exam {exam.pk} recorded as done.")
            return redirect("field_exams", exam.facility_id)
    return _exams_page(request, exam.facility, failed=(exam.pk, form))


@login_required
@require_http_methods(["GET", "POST"])
def base_rates(request: HttpRequest) -> HttpResponse:
    """The base rate series: the bank sees it, analysts set a rate from a date."""
    user = signed_in_user(request)
    if not user.is_bank_staff:
        raise Http404("Not found")
    keeper = may_keep_books(user)
    if request.method == "POST" and not keeper:
        raise Http404("Only analysts set base rates")
    form = BaseRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rate = fees.set_base_rate(
                actor=user,
                effective_date=data["effective_date"],
                rate=data["rate_pct"] / 100,
                note=data["note"],
            )
        except fees.FeeRefused as error:
            field = {"rate": "rate_pct"}.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, str(error))
        else:
            messages.success(
                request, f"{rate.name} from {rate.effective_date}: {percent_text(rate.rate)}."
            )
            return redirect("base_rates")
    context = {
        "rates": BaseRate.objects.select_related("set_by").order_by("name", "-effective_date")[
            :500
        ],
        "form": form if keeper else None,
    }
    return render(request, "abl/base_rates.html", context, status=400 if form.errors else 200)
