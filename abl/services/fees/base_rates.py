"""The base rate series (§9; docs/fees.md): the rates analysts set, from a date."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from abl.audit import record
from abl.calc import fees as rules
from abl.calc.fees import Month
from abl.models import BaseRate, FeeCharge, User
from abl.services.errors import FeeRefused
from abl.services.fees.field_exams import require_keeper
from abl.services.fees.posted import INTEREST_LINES


@transaction.atomic
def set_base_rate(
    *, actor: User, effective_date: dt.date, rate: Decimal, name: str = "prime", note: str = ""
) -> BaseRate:
    """An analyst sets the base rate in force from a date (a fraction: 0.0425 is 4.25%).

    Refused for a rate outside 0–100%, or from a date in a month whose interest
    is already posted (that interest would no longer match the series).
    """
    require_keeper(actor)
    if not Decimal(0) <= rate < 1:
        raise FeeRefused("A base rate is from 0% to less than 100%.", field="rate")
    if rate != rate.quantize(Decimal("0.000001")):
        raise FeeRefused("A base rate has at most 4 decimal places of a percent.", field="rate")
    posted = (
        FeeCharge.objects.filter(
            kind__in=INTEREST_LINES, period__gte=Month.of(effective_date).first
        )
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if posted is not None:
        raise FeeRefused(
            f"Interest is already posted for {Month.of(posted)}: a rate from {effective_date} "
            "would change it.",
            field="effective_date",
        )
    existing = (
        BaseRate.objects.select_for_update()
        .filter(name=name, effective_date=effective_date)
        .first()
    )
    before = str(existing.rate) if existing else None
    base, _ = BaseRate.objects.update_or_create(
        name=name,
        effective_date=effective_date,
        defaults={"rate": rate, "note": note, "set_by": actor},
    )
    record(
        actor=actor,
        action="fees.base_rate_set",
        obj=base,
        summary=f"{name} from {effective_date}: {rules.percent_text(rate)}",
        changes={"rate": [before, str(rate)], "effective_date": effective_date.isoformat()},
    )
    return base
