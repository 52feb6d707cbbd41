"""Forms of the fee pages: validation of what people type; the rules are the services'."""

from decimal import Decimal

from django import forms

from abl.calc.fees import Month
from abl.forms import AmountField


class PostFeesForm(forms.Form):
    month = forms.CharField(
        label="Month",
        max_length=20,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text="YYYY-MM: a month that has ended.",
    )

    def clean_month(self) -> Month:
        try:
            return Month.parse(self.cleaned_data["month"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class ScheduleExamForm(forms.Form):
    scheduled_for = forms.DateField(
        label="Scheduled for", widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(label="Notes", max_length=2000, required=False)
    reason = forms.CharField(
        label="Reason the bank holds it",
        max_length=2000,
        required=False,
        help_text="Needed for an exam beyond the year's three charged (risk, a breach); "
        "such an exam is not charged.",
    )


class RecordExamForm(forms.Form):
    done_on = forms.DateField(label="Done on", widget=forms.DateInput(attrs={"type": "date"}))
    fee = AmountField(label="Actual fee", sign="positive")
    notes = forms.CharField(label="Notes", max_length=2000, required=False)
    reason = forms.CharField(
        label="Reason the bank holds it",
        max_length=2000,
        required=False,
        help_text="Needed for an exam beyond the year's three charged (risk, a breach); "
        "such an exam is not charged.",
    )


class BaseRateForm(forms.Form):
    effective_date = forms.DateField(
        label="In force from", widget=forms.DateInput(attrs={"type": "date"})
    )
    rate_pct = forms.DecimalField(
        label="Rate (% a year)",
        min_value=Decimal("0"),
        max_value=Decimal("99.9999"),
        max_digits=6,
        decimal_places=4,
        help_text="E.g. 4.25 for 4.25%.",
    )
    note = forms.CharField(label="Source", max_length=300, required=False)
