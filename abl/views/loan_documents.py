"""The loan documents' pages: the checklist of items the bank needs, and acknowledging terms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from abl.access import facilities_for, get_facility_for_user, may_report, signed_in_user
from abl.document_forms import (
    AcknowledgeTermsForm,
    ChecklistDecisionForm,
    ChecklistFileForm,
    ChecklistItemForm,
)
from abl.models import ChecklistFile, ChecklistItem, Role
from abl.services import loan_documents
from abl.services.errors import DocumentRefused


def _item(request: HttpRequest, pk: int) -> ChecklistItem:
    item = (
        ChecklistItem.objects.select_related("facility")
        .filter(pk=pk, facility__in=facilities_for(signed_in_user(request)))
        .first()
    )
    if item is None:
        raise Http404("No such checklist item")
    return item


def _form_problem(form: ChecklistItemForm | ChecklistFileForm | ChecklistDecisionForm) -> str:
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else 'Form'}: {' '.join(map(str, errors))}"
        for name, errors in form.errors.items()
    )


@login_required
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    context = {
        "facility": facility,
        "rows": loan_documents.checklist_rows(facility),
        "is_analyst": user.role == Role.ANALYST,
        "may_attach": user.role == Role.ANALYST or may_report(user, facility),
        "add_form": ChecklistItemForm(),
        "file_form": ChecklistFileForm(),
        "decision_form": ChecklistDecisionForm(),
    }
    return render(request, "abl/checklist.html", context)


@login_required
@require_POST
def checklist_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    form = ChecklistItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("checklist", facility.pk)
    try:
        item = loan_documents.request_item(facility=facility, actor=user, **form.cleaned_data)
    except DocumentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{item.title}” was added to the checklist.")
    return redirect("checklist", facility.pk)


@login_required
@require_POST
def checklist_attach(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ChecklistFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("checklist", item.facility_id)
    try:
        attached = loan_documents.attach_file(
            item=item, upload=form.cleaned_data["file"], actor=signed_in_user(request)
        )
    except DocumentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{attached.original_name} was attached to “{item.title}”.")
    return redirect("checklist", item.facility_id)


@login_required
@require_POST
def checklist_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ChecklistDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("checklist", item.facility_id)
    try:
        item = loan_documents.decide_item(
            item=item, actor=signed_in_user(request), **form.cleaned_data
        )
    except DocumentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{item.title}” is {item.get_status_display().lower()}.")
    return redirect("checklist", item.facility_id)


@login_required
def checklist_file(request: HttpRequest, pk: int) -> FileResponse:
    attached = (
        ChecklistFile.objects.select_related("item")
        .filter(pk=pk, item__facility__in=facilities_for(signed_in_user(request)))
        .first()
    )
    if attached is None:
        raise Http404("No such file")
    try:
        handle = attached.stored.open("rb")
    except FileNotFoundError:
        raise Http404("The file's bytes are missing from storage") from None
    return FileResponse(handle, as_attachment=True, filename=attached.original_name)


@login_required
@require_POST
def acknowledge_terms(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    user = signed_in_user(request)
    facility = get_facility_for_user(user, pk)
    terms = facility.terms_versions.filter(version=version).first()
    if terms is None:
        raise Http404("No such terms version")
    form = AcknowledgeTermsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The acknowledgement did not say which terms were read.")
        return redirect("facility_detail", facility.pk)
    try:
        loan_documents.acknowledge_terms(
            version=terms, sha256=form.cleaned_data["sha256"], actor=user
        )
    except DocumentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"You acknowledged terms version {terms.version}.")
    return redirect(f"/facilities/{facility.pk}/?version={terms.version}#terms")
