"""One amount parser (abl.readers.parse_amount) for every form, command and file (§2).

Plain ASCII digits, commas grouping thousands, a decimal point with digits on
both sides, `$`, and a leading minus or parentheses for a negative where the
field takes one. The same text gets the same answer, in the same words, from a
file's cell, a command's `--amount` and a page's amount field.
"""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from abl import fee_forms, loan_forms
from abl import forms as abl_forms
from abl.models import AdvanceRequest, Certificate
from abl.readers import parse_amount
from covenants import forms as covenant_forms
from tests.abl.conftest import AGING

# What the issue found accepted, and must not be: exponents, underscores,
# other scripts' digits, a plus sign, a point without digits on one side.
NOT_AMOUNTS = [
    "1E5", "1e-2", "1_000", "١٢٣", "１２３", "+5", "5.", ".5", "1,00", "1,000.", "٥", "5e0",
    "0x10", "Infinity", "NaN", "1 000", "5-", "--5", "(-5)",
]  # fmt: skip
AMOUNTS = [
    ("0", 0), ("5", 500), ("1000", 100000), ("1,000", 100000), ("1,000.00", 100000),
    ("1234567.8", 123456780), ("$1,234.50", 123450), ("-5", -500), ("(5.00)", -500),
    ("-1,000.25", -100025), (" 7.25 ", 725),
]  # fmt: skip


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_parse_amount_refuses_what_is_not_plainly_an_amount(text):
    with pytest.raises(ValueError, match=f"^{re.escape(f'not an amount: {text!r}')}$"):
        parse_amount(text)


@pytest.mark.parametrize(("text", "cents"), AMOUNTS)
def test_parse_amount_reads_plain_grouped_and_negative_amounts(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "sign", "message"),
    [
        ("-5", "not negative", "must not be negative: '-5'"),
        ("(5.00)", "not negative", "must not be negative: '(5.00)'"),
        ("0", "positive", "must be more than zero: '0'"),
        ("-5", "positive", "must be more than zero: '-5'"),
    ],
)
def test_parse_amount_refuses_a_sign_the_field_does_not_take(text, sign, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_amount(text, sign=sign)


@pytest.mark.parametrize(
    ("text", "sign", "cents"), [("0", "not negative", 0), ("0.01", "positive", 1)]
)
def test_parse_amount_takes_the_least_amount_of_each_sign(text, sign, cents):
    assert parse_amount(text, sign=sign) == cents


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2), st.booleans(), st.booleans())
def test_an_amount_written_any_accepted_way_reads_back_exactly(amount, grouped, parentheses):
    digits = f"{abs(amount):,.2f}" if grouped else f"{abs(amount):.2f}"
    text = (f"({digits})" if parentheses else f"-{digits}") if amount < 0 else digits

    assert parse_amount(text) == int(amount * 100)


def _read(text: str) -> int | None:
    try:
        return parse_amount(text)
    except ValueError:
        return None


@given(st.text(max_size=12))
def test_any_text_read_as_an_amount_is_written_in_ascii_digits_and_signs(text):
    cents = _read(text)

    if cents is not None:
        assert re.fullmatch(r"[0-9,.$()\- ]+", text.strip())
        sign = -1 if re.search(r"[-(]", text) else 1
        assert Decimal(cents) == Decimal(re.sub(r"[^0-9.]", "", text)) * 100 * sign


def _money_fields() -> list[tuple[str, forms.Field]]:
    """Every field of every form class of the pages that could hold money."""
    found = []
    for module in (abl_forms, loan_forms, fee_forms, covenant_forms):
        for name, form in vars(module).items():
            if isinstance(form, type) and issubclass(form, forms.BaseForm):
                instance = (
                    form(categories=["past_due"])
                    if "categories" in str(form.__init__.__code__.co_varnames)
                    else form()
                )
                found += [(f"{name}.{f}", field) for f, field in instance.fields.items()]
    return found


def test_every_money_field_of_every_form_is_an_amount_field():
    from abl.forms import AmountField

    fields = _money_fields()

    two_place_decimals = [
        name
        for name, field in fields
        if isinstance(field, forms.DecimalField) and field.decimal_places == 2
    ]
    assert two_place_decimals == []
    assert "AdvanceRequestForm.amount" in [n for n, f in fields if isinstance(f, AmountField)]


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_the_advance_form_refuses_it_in_the_parsers_words(text):
    form = loan_forms.AdvanceRequestForm({"amount": text, "key": "k"})

    assert form.errors["amount"] == [f"not an amount: {text!r}"]


@pytest.mark.django_db
def test_the_advance_page_refuses_it_and_asks_nothing(client, innotrac, cfo, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    settings.DEBUG = False
    client.force_login(cfo)

    for text in NOT_AMOUNTS:
        data = {"amount": text, "value_date": "", "purpose": "", "key": f"key-{text}"}
        response = client.post(f"/facilities/{innotrac.pk}/loan/", data)

        assert response.status_code == 400, text
        assert response.context["form"].errors["amount"] == [f"not an amount: {text!r}"]
    assert AdvanceRequest.objects.count() == 0


@pytest.mark.django_db
def test_the_advance_page_takes_grouped_thousands(client, innotrac, cfo, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    client.force_login(cfo)

    data = {"amount": "1,000.50", "value_date": "", "purpose": "", "key": "k"}
    response = client.post(f"/facilities/{innotrac.pk}/loan/", data)

    assert response.status_code == 302
    assert AdvanceRequest.objects.get().amount == Decimal("1000.50")


@pytest.mark.django_db
@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_the_request_advance_command_refuses_it_in_the_parsers_words(innotrac, cfo, text, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"

    with pytest.raises(CommandError) as refused:
        call_command(
            "request_advance", "--facility", innotrac.slug, f"--amount={text}",
            "--user", cfo.username, stdout=StringIO(),
        )  # fmt: skip

    assert str(refused.value) == f"--amount: not an amount: {text!r}"
    assert AdvanceRequest.objects.count() == 0


@pytest.mark.django_db
def test_the_report_page_reads_loans_outstanding_with_grouped_thousands(
    client, innotrac, cfo, settings, django_capture_on_commit_callbacks
):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    client.force_login(cfo)
    data = {
        "as_of": "2003-03-31",
        "reported_outstanding": "1,234,567.89",
        "receivables": SimpleUploadedFile("aging.csv", AGING.encode()),
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/facilities/{innotrac.pk}/report/", data)

    assert response.status_code == 302
    assert Certificate.objects.get().reported_outstanding == Decimal("1234567.89")


@pytest.mark.django_db
def test_the_report_page_refuses_loans_outstanding_grouped_wrongly_and_keeps_nothing(
    client, innotrac, cfo, settings
):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    settings.DEBUG = False
    client.force_login(cfo)
    data = {
        "as_of": "2003-03-31",
        "reported_outstanding": "1,23",
        "receivables": SimpleUploadedFile("aging.csv", AGING.encode()),
    }

    response = client.post(f"/facilities/{innotrac.pk}/report/", data)

    assert response.context["form"].errors["reported_outstanding"] == ["not an amount: '1,23'"]
    assert Certificate.objects.count() == 0
