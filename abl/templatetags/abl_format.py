"""Display formatting only: money with commas and cents, percentages, category labels, dates of
record."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template

from abl.business_date import record_date
from abl.calc.money import money_text, pct_display
from abl.calc.report import label as category_label

register = template.Library()


@register.filter
def money(value: object) -> str:
    """Decimal("-1234.5") → "(1,234.50)"; None → "—"; anything not a finite number as it is."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():  # "NaN" would raise on the comparison below
        return str(value)
    return money_text(amount)


@register.filter
def percent(fraction: object) -> str:
    """A fraction as a percentage to two places of a percent, rounded half-up as every
    percentage is shown (`pct_display`): "0.1534" → "15.34%", "0.150050" → "15.01%"."""
    try:
        value = Decimal(str(fraction))
    except InvalidOperation:
        return "—"
    if value.is_finite():
        value = pct_display(value)
    return f"{value * 100:.2f}%"


@register.filter
def label(key: object) -> str:
    """A category or figure key as the pages name it: "work_in_process" → "Work in process"."""
    return category_label(str(key)) if key else ""


@register.filter
def date_of_record(on: object, at: object = None) -> str:
    """A record's business date as every page shows it (§1): `{{ c.submitted_on|date_of_record:c.submitted_at }}`
    → "2003-04-07"; the system time stands in, labelled, only for a record written before
    business dates were kept (`abl.business_date.record_date`)."""
    day = on if isinstance(on, dt.date) else None
    moment = at if isinstance(at, dt.datetime) else None
    return record_date(day, moment)
