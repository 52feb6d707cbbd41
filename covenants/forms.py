"""Forms of the covenant pages: fields and their formats only; the rules are in the services."""

import datetime as dt

from django import forms

from abl.calc.dates import date_problem
from abl.forms import AmountField
from covenants.calc.financials import LABELS
from covenants.models import FinancialStatement
from covenants.services.statements import FIGURES


class StatementForm(forms.Form):
    kind = forms.ChoiceField(choices=FinancialStatement.Kind.choices, initial="actual")
    period_end = forms.DateField(help_text="A month end (YYYY-MM-DD)")
    officer_title = forms.CharField(max_length=120, label="Your title (the certifying officer)")
    reason = forms.CharField(
        max_length=500, required=False, label="Reason for restating (when restating)"
    )
    certify = forms.BooleanField(
        label="I certify these figures as an officer of the borrower", required=True
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in FIGURES:
            # Any sign here: which figures may be negative is the figures' own rule
            # (covenants/calc/financials.py), checked with the rest.
            self.fields[name] = AmountField(label=LABELS[name], sign="any")

    def clean_period_end(self) -> dt.date:
        period_end: dt.date = self.cleaned_data["period_end"]
        if problem := date_problem(period_end):
            raise forms.ValidationError(problem)
        return period_end


class StatementFileForm(forms.Form):
    kind = forms.ChoiceField(choices=FinancialStatement.Kind.choices, initial="projection")
    file = forms.FileField(help_text="CSV or XLSX: period_end and one column per figure")
    officer_title = forms.CharField(max_length=120, label="Your title (the certifying officer)")
    reason = forms.CharField(max_length=500, required=False, label="Reason for restating")
    certify = forms.BooleanField(
        label="I certify these figures as an officer of the borrower", required=True
    )


class CapexRequestForm(forms.Form):
    year = forms.IntegerField(min_value=1900, max_value=9999, label="Fiscal year")
    amount = AmountField(label="Additional capex to approve")
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class CapexDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    comment = forms.CharField(max_length=1000, required=False)


class WaiverForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label="Signed waiver document")


class AmendmentForm(forms.Form):
    requirement = forms.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    effective_from = forms.DateField(help_text="YYYY-MM-DD, on or before the period end")
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class DefaultForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
