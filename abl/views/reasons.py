"""Why each invoice or inventory row on a drill-down page is (not) lent against.

Invoices read the engine's decision for their customer from the stored
CustomerLine: a whole-balance category (affiliate, government, foreign,
cross-aged) covers every item; otherwise an aged positive item is past due.
Inventory rows go through the engine's own classifier (abl.calc.inventory).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl
from django.db.models import Q

from abl.calc.inventory import Test, category_tests, classify_inventory
from abl.calc.terms import InventoryTerms, parse_terms
from abl.models import Computation, CustomerLine, InventoryItem, Invoice

WHOLE_BALANCE = ("affiliate", "government", "foreign", "cross_aged")
WHOLE_TEXT = {
    "affiliate": "affiliate: the whole balance is ineligible",
    "government": "government account: the whole balance is ineligible",
    "foreign": "foreign account debtor: the whole balance is ineligible",
    "cross_aged": "cross-aged: enough of this customer is past the age limit that none of it counts",
}


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    days: int
    reason: str


@dataclass(frozen=True)
class InventoryRow:
    item: InventoryItem
    reason: str
    rate: Decimal | None


def invoice_reasons(
    invoices: list[Invoice], *, line: CustomerLine, computation: Computation, as_of: date
) -> list[InvoiceRow]:
    age_limit = int(computation.inputs["terms"]["receivables"]["age_limit_days"])
    whole = next((c for c in WHOLE_BALANCE if getattr(line, f"{c}_ineligible")), None)
    rows = []
    for invoice in invoices:
        days = (as_of - invoice.invoice_date).days
        rows.append(
            InvoiceRow(invoice, days, _invoice_reason(invoice.amount, days, age_limit, whole, line))
        )
    return rows


def _invoice_reason(
    amount: Decimal, days: int, age_limit: int, whole: str | None, line: CustomerLine
) -> str:
    if line.gross <= 0:
        return "credit balance customer: counted as is, reduces eligible receivables"
    if whole:
        return WHOLE_TEXT[whole]
    if amount < 0:
        return "credit: reduces the customer's balance"
    if days > age_limit:
        return f"past due: {days} days from invoice date, over the {age_limit}-day limit"
    return "eligible"


def inventory_reasons(
    items: list[InventoryItem], *, computation: Computation
) -> list[InventoryRow]:
    if not items:
        return []
    terms = parse_terms(computation.inputs["terms"])
    frame = pl.DataFrame(
        {
            "row": [i.row for i in items],
            "sku": [i.sku for i in items],
            "description": [i.description for i in items],
            "location": [i.location for i in items],
            "category": [i.category for i in items],
            "program": [i.program for i in items],
            "quantity": [str(i.quantity) for i in items],
            "unit_cost": [str(i.unit_cost) for i in items],
            "value_cents": [int(i.value * 100) for i in items],
            "in_transit": [i.in_transit for i in items],
            "consigned": [i.consigned for i in items],
            "obsolete": [i.obsolete for i in items],
        },
        schema_overrides={"row": pl.Int64, "value_cents": pl.Int64},
    )
    classified = classify_inventory(frame, terms.inventory)
    return [
        InventoryRow(
            item, reason, Decimal(str(rate)) if rate is not None and reason == "eligible" else None
        )
        for item, reason, rate in zip(
            items, classified["reason"].to_list(), classified["advance_rate"].to_list(), strict=True
        )
    ]


def inventory_filter(rules: InventoryTerms, reason: str) -> Q:
    """The rows the engine puts in `reason` (a category or "eligible"), as a database filter.

    A row is in a category when its test holds and no earlier category's does,
    as in abl.calc.inventory.classify_inventory. Raises KeyError for a reason
    the rules do not have.
    """
    none_before = Q()
    for name, test in category_tests(rules):
        if name == reason:
            return none_before & _q(test)
        none_before &= ~_q(test)
    if reason == "eligible":
        return none_before
    raise KeyError(reason)


def _q(test: Test) -> Q:
    if test.kind == "true":
        return Q(**{test.column: True})
    inside = Q(**{f"{test.column}__in": list(test.values)})
    return inside if test.kind == "in" else ~inside
