"""Forms: validation of what people type; no business rules."""

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator

from abl.calc.report import label
from abl.services.errors import Refused


def show_refusal(form: forms.Form, error: Refused) -> None:
    """A service's refusal on the form: on the field it names when the form has that field,
    else on the form as a whole."""
    form.add_error(error.field if error.field in form.fields else None, str(error))


def money_input(**options: Any) -> forms.DecimalField:
    return forms.DecimalField(max_digits=18, decimal_places=2, **options)


class UploadForm(forms.Form):
    as_of = forms.DateField(label="As-of date", widget=forms.DateInput(attrs={"type": "date"}))
    reported_outstanding = money_input(
        label="Loans outstanding at the as-of date by your own books (optional)",
        help_text="The certificate uses the bank's loan ledger; yours is shown beside it.",
        min_value=Decimal("0"),
        required=False,
    )
    receivables = forms.FileField(label="Receivables aging (CSV or XLSX)")
    inventory = forms.FileField(label="Inventory (CSV or XLSX)", required=False)
    payables = forms.FileField(label="Payables for contras (CSV or XLSX)", required=False)
    # Shown only once an upload was refused because it would replace a file.
    replace = forms.BooleanField(label="Replace it", required=False)


class ReplaceFileForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("receivables", "Receivables"),
            ("inventory", "Inventory"),
            ("payables", "Payables"),
        ]
    )
    file = forms.FileField()
    replace = forms.BooleanField(label="Replace the file of that kind listed above", required=False)


class DiscardForm(forms.Form):
    reason = forms.CharField(label="Why discard this draft", max_length=300)


class RollForwardForm(forms.Form):
    ar_prior_balance = money_input(label="Prior receivables balance", required=False)
    ar_sales = money_input(label="Sales", required=False)
    ar_collections = money_input(label="Collections", required=False)
    ar_credits = money_input(label="Credits", required=False)
    ar_adjustments = money_input(label="Adjustments (±)", required=False)
    inv_prior_balance = money_input(label="Prior inventory balance", required=False)
    inv_purchases = money_input(label="Purchases", required=False)
    inv_cost_of_sales = money_input(label="Cost of sales", required=False)
    inv_adjustments = money_input(label="Adjustments (±)", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for prefix, side in (("ar_", "receivables"), ("inv_", "inventory")):
            values = [v for k, v in data.items() if k.startswith(prefix)]
            if any(v is not None for v in values) and any(v is None for v in values):
                raise ValidationError(f"Fill in every {side} roll-forward field, or none of them.")
        return data


class CertifyForm(forms.Form):
    name = forms.CharField(label="Officer's name", max_length=150)
    title = forms.CharField(label="Title", max_length=150)
    explanation = forms.CharField(
        label="Explanation of the differences (required when there are any)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    confirm = forms.BooleanField(
        label="I certify that this borrowing base certificate is true, correct and complete "
        "and complies with the loan agreement.",
    )


class ReserveForm(forms.Form):
    """One reserve: its name, amount and why."""

    name = forms.CharField(label="Reserve", max_length=100)
    amount = money_input(label="Amount", min_value=Decimal("0"))
    reason = forms.CharField(label="Why", max_length=300, required=False)


if TYPE_CHECKING:
    _FormSet = forms.BaseFormSet[ReserveForm]
else:
    _FormSet = forms.BaseFormSet  # generic only for the type checker


class BaseReserveFormSet(_FormSet):
    def clean(self) -> None:
        super().clean()
        names = [
            f.cleaned_data["name"].strip().lower()
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValidationError(f"Each reserve once: {', '.join(repeated)} appears twice.")

    def reserves(self) -> list[tuple[str, Decimal, str]]:
        """The reserves kept: rows filled in and not marked for removal."""
        return [
            (f.cleaned_data["name"].strip(), f.cleaned_data["amount"], f.cleaned_data["reason"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


ReserveFormSet = cast(
    type[BaseReserveFormSet],
    forms.formset_factory(ReserveForm, formset=BaseReserveFormSet, extra=1, can_delete=True),
)


def effective_date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: today's business date.",
    )


class ReserveChangeForm(forms.Form):
    reason = forms.CharField(label="Why this change", max_length=300)
    effective_date = effective_date_field("Takes effect on")


class ConsentForm(forms.Form):
    program = forms.CharField(max_length=50, initial="BELLSOUTH")
    received = forms.TypedChoiceField(
        choices=[("1", "Consent received"), ("0", "Consent withdrawn")], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label="Reference (letter, date)", max_length=300)
    effective_date = effective_date_field("Date of the consent")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return to borrower")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            raise ValidationError(
                "Say what the borrower must change: a comment is required to return."
            )
        return data


class ReportedIneligiblesForm(forms.Form):
    """The ineligibles the borrower's own certificate shows, to compare with the system's."""

    def __init__(self, *args: Any, categories: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in categories:
            self.fields[category] = money_input(
                label=label(category),
                required=False,
                validators=[MinValueValidator(Decimal("0"))],
            )
