"""Small frames for engine tests, shaped as abl.readers returns them."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl

from abl.calc.terms import FacilityTerms, load_terms_yaml

AS_OF = dt.date(2003, 3, 31)
TERMS_FILE = Path(__file__).resolve().parents[3] / "examples" / "innotrac" / "terms.yaml"


def innotrac_terms() -> FacilityTerms:
    return load_terms_yaml(TERMS_FILE.read_text())


def aging(*items: tuple) -> pl.DataFrame:
    """items: (customer_id, amount, days_old[, country[, affiliate[, government]]])."""
    rows = []
    for n, item in enumerate(items):
        customer, amount, days, *rest = item
        country, affiliate, government = (
            ([*rest, "US", False, False][:3]) if rest else ("US", False, False)
        )
        rows.append(
            {
                "row": n + 2,
                "customer_id": customer,
                "customer_name": customer.title(),
                "invoice_number": f"INV-{n}",
                "invoice_date": AS_OF - dt.timedelta(days=days),
                "due_date": None,
                "amount_cents": int(Decimal(str(amount)) * 100),
                "country": country,
                "affiliate": affiliate,
                "government": government,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "row": pl.Int64,
            "customer_id": pl.Utf8,
            "customer_name": pl.Utf8,
            "invoice_number": pl.Utf8,
            "invoice_date": pl.Date,
            "due_date": pl.Date,
            "amount_cents": pl.Int64,
            "country": pl.Utf8,
            "affiliate": pl.Boolean,
            "government": pl.Boolean,
        },
    )


def payables(*items: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "row": n + 2,
                "customer_id": c,
                "vendor_name": c,
                "amount_cents": int(Decimal(a) * 100),
            }
            for n, (c, a) in enumerate(items)
        ],
        schema={
            "row": pl.Int64,
            "customer_id": pl.Utf8,
            "vendor_name": pl.Utf8,
            "amount_cents": pl.Int64,
        },
    )


def inventory(*items: tuple) -> pl.DataFrame:
    """items: (value, category[, program[, in_transit, consigned, obsolete[, location]]])."""
    rows = []
    for n, item in enumerate(items):
        value, category, *rest = item
        program = rest[0] if rest else ""
        flags = rest[1:4] if len(rest) >= 4 else (False, False, False)
        location = rest[4] if len(rest) >= 5 else "Duluth GA"
        rows.append(
            {
                "row": n + 2,
                "sku": f"SKU-{n}",
                "description": "item",
                "location": location,
                "category": category,
                "program": program,
                "quantity": "1",
                "unit_cost": str(value),
                "value_cents": int(Decimal(str(value)) * 100),
                "in_transit": flags[0],
                "consigned": flags[1],
                "obsolete": flags[2],
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "row": pl.Int64,
            "sku": pl.Utf8,
            "description": pl.Utf8,
            "location": pl.Utf8,
            "category": pl.Utf8,
            "program": pl.Utf8,
            "quantity": pl.Utf8,
            "unit_cost": pl.Utf8,
            "value_cents": pl.Int64,
            "in_transit": pl.Boolean,
            "consigned": pl.Boolean,
            "obsolete": pl.Boolean,
        },
    )
