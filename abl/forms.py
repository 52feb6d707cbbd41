"""Forms: validation of what people type; no business rules."""

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError

from abl.calc.money import from_cents
from abl.calc.report import label
from abl.readers import parse_amount
from abl.readers.values import Sign
from abl.services.errors import Refused


def show_refusal(form: forms.Form, error: Refused) -> None:
    """A service's refusal on the form: on the field it names when the form shows that field,
    else on the form as a whole (a hidden field's error would never be seen)."""
    field = form.fields.get(error.field or "")
    form.add_error(error.field if field and not field.widget.is_hidden else None, str(error))


class VisibleErrorsForm(forms.Form):
    """A form whose hidden fields' errors are shown as the form's own.

    A page renders no error beside a hidden field, so a problem with one (a
    missing or malformed key the page sent) would answer 400 with nothing to
    read. Give hidden fields error messages that make sense on their own.
    """

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            if field.widget.is_hidden and name in self.errors:
                for message in self.errors.pop(name):
                    self.add_error(None, message)


class AmountField(forms.CharField):
    """A money amount, read by the one amount parser (abl.readers.parse_amount).

    A form takes what a file's amount cell or a command's `--amount` takes
    (`1,234.50`, `$1,234.50`, negatives as `-5` or `(5.00)` where `sign` allows
    them) and refuses the rest with the same words ("not an amount: '1e5'").
    A text input, not a number input: a browser's number input would refuse
    grouped thousands and let through exponents.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, sign: Sign = "not negative", **options: Any) -> None:
        super().__init__(**options)
        self.sign: Sign = sign

    def prepare_value(self, value: Any) -> Any:
        return f"{value:f}" if isinstance(value, Decimal) else value

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return from_cents(parse_amount(text, sign=self.sign))
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None


class UploadForm(forms.Form):
    as_of = forms.DateField(label="As-of date", widget=forms.DateInput(attrs={"type": "date"}))
    reported_outstanding = AmountField(
        label="Loans outstanding at the as-of date by your own books (optional)",
        help_text="The certificate uses the bank's loan ledger; yours is shown beside it.",
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
    ar_prior_balance = AmountField(label="Prior receivables balance", required=False)
    ar_sales = AmountField(label="Sales", required=False)
    ar_collections = AmountField(label="Collections", required=False)
    ar_credits = AmountField(label="Credits", required=False)
    ar_adjustments = AmountField(label="Adjustments (±)", sign="any", required=False)
    inv_prior_balance = AmountField(label="Prior inventory balance", required=False)
    inv_purchases = AmountField(label="Purchases", required=False)
    inv_cost_of_sales = AmountField(label="Cost of sales", required=False)
    inv_adjustments = AmountField(label="Adjustments (±)", sign="any", required=False)

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
    amount = AmountField(label="Amount")
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
            self.fields[category] = AmountField(label=label(category), required=False)
