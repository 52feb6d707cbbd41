"""Forms of the loan pages: validation of what people type; no business rules."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from abl.forms import AmountField, VisibleErrorsForm

# The page's own key for the form shown: missing, blank or too long only when
# the page was tampered with or mangled on the way.
MALFORMED_FORM = (
    "This form has expired or was damaged on the way: open the page again and resubmit."
)


class AdvanceRequestForm(VisibleErrorsForm):
    amount = AmountField(label="Amount", sign="positive")
    value_date = forms.DateField(
        label="Value date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: today's business date.",
    )
    purpose = forms.CharField(label="Purpose", max_length=300, required=False)
    # Made when the form is shown and sent back with it: the same form posted
    # twice (a double click, a retry) is the same request.
    key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=100,
        error_messages={"required": MALFORMED_FORM, "max_length": MALFORMED_FORM},
    )


class AdvanceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not (data.get("comment") or "").strip():
            raise ValidationError("Say why: a comment is required to decline.")
        return data

    def forget_decision(self) -> None:
        """After a refusal the page asks for the decision again: none is shown chosen (the
        comment stays). The errors were found already; only what is shown changes."""
        self.data = {name: value for name, value in self.data.items() if name != "decision"}


class RepaymentForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("repayment", "Repayment"), ("collection", "Collection")], initial="repayment"
    )
    amount = AmountField(label="Amount received", sign="positive")
    value_date = forms.DateField(label="Value date", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="Reference", max_length=300, required=False)


class RepaymentImportForm(forms.Form):
    file = forms.FileField(
        label="Repayments file (CSV or XLSX)",
        help_text="Columns: value date, amount, and optionally kind (repayment or collection) "
        "and reference.",
    )


class DefaultEndForm(VisibleErrorsForm):
    """An analyst's proposal to end the standing event of default (§7)."""

    ending = forms.ChoiceField(
        label="How it ends",
        choices=[("cure", "Cure"), ("waiver", "Waiver")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    document = forms.FileField(
        label="Signed waiver", required=False, help_text="Required for a waiver."
    )
