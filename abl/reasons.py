"""Why each invoice or inventory row is (not) lent against, in words: drill-down pages and exports.

Invoices take the engine's rule (abl.calc.receivables.invoice_reason) with
their customer's decision from the stored CustomerLine: a whole-balance
category (affiliate, government, foreign, cross-aged) covers every item;
otherwise an aged positive item is past due.
Inventory rows go through the engine's own classifier (abl.calc.inventory).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl
from django.db.models import Q

from abl.calc.inventory import Test, category_tests, classify_inventory
from abl.calc.receivables import WHOLE_BALANCE, invoice_reason
from abl.calc.terms import InventoryTerms
from abl.models import Computation, CustomerLine, InventoryItem, Invoice

# The engine's reasons (abl.calc.receivables.invoice_reason), in words.
REASON_TEXT = {
    "credit_balance": "credit balance customer: counted as is, reduces eligible receivables",
    "affiliate": "affiliate: the whole balance is ineligible",
    "government": "government account: the whole balance is ineligible",
    "foreign": "foreign account debtor: the whole balance is ineligible",
    "cross_aged": "cross-aged: enough of this customer is past the age limit that none of it counts",
    "credit": "credit: reduces the customer's balance",
    "past_due": "past due: {days} days from invoice date, over the {age_limit}-day limit",
    "eligible": "eligible",
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


def whole_balance(line: CustomerLine) -> str | None:
    """The whole-balance category that makes all of this customer's items ineligible, if any."""
    return next((c for c in WHOLE_BALANCE if getattr(line, f"{c}_ineligible")), None)


def invoice_reason_text(
    *, amount: Decimal, days: int, line: CustomerLine, whole: str | None, age_limit: int
) -> str:
    """The engine's reason for one invoice of the customer of `line`, in words."""
    reason = invoice_reason(
        amount=amount,
        days=days,
        age_limit_days=age_limit,
        whole_balance=whole,
        credit_balance=line.gross <= 0,
    )
    return REASON_TEXT[reason].format(days=days, age_limit=age_limit)


def age_limit(computation: Computation) -> int:
    return int(computation.inputs["terms"]["receivables"]["age_limit_days"])


def invoice_reasons(
    invoices: list[Invoice], *, line: CustomerLine, computation: Computation, as_of: date
) -> list[InvoiceRow]:
    """Each invoice with its age and the engine's reason, given its customer's stored line."""
    limit = age_limit(computation)
    whole = whole_balance(line)
    rows = []
    for invoice in invoices:
        days = (as_of - invoice.invoice_date).days
        text = invoice_reason_text(
            amount=invoice.amount, days=days, line=line, whole=whole, age_limit=limit
        )
        rows.append(InvoiceRow(invoice, days, text))
    return rows


def inventory_reasons(items: list[InventoryItem], *, rules: InventoryTerms) -> list[InventoryRow]:
    """Each item with its category under `rules` (the computation's, from
    abl.services.terms.computation_terms)."""
    if not items:
        return []
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
    classified = classify_inventory(frame, rules)
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
