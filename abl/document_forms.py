"""Forms of the loan documents: validation of what people type; no business rules."""

from django import forms

from abl.models import ChecklistItem


class ChecklistItemForm(forms.Form):
    title = forms.CharField(label="Item the bank needs", max_length=200)
    description = forms.CharField(
        label="Details", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(
        label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    follows = forms.ChoiceField(
        label="Follows",
        choices=ChecklistItem.Record.choices,
        required=False,
        help_text="An item the application records itself shows received as soon as it does.",
    )
    program = forms.CharField(
        label="Program", max_length=50, required=False, help_text="With a consent: BELLSOUTH"
    )


class ChecklistFileForm(forms.Form):
    file = forms.FileField(label="File")


class ChecklistDecisionForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (ChecklistItem.Status.RECEIVED, "Received"),
            (ChecklistItem.Status.WAIVED, "Waived"),
        ]
    )
    note = forms.CharField(label="Note (why, when waived)", max_length=500, required=False)


class AcknowledgeTermsForm(forms.Form):
    sha256 = forms.CharField(max_length=64, widget=forms.HiddenInput)
