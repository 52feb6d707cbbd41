"""The floor `bench_borrowing_base.py` compares the command with: a polars script alone.

It reads all nine columns of an aging with strict typed parsing (a cell that does not
parse stops it) and applies the §3 rules (docs/rules.md, "Receivables (§3)") in polars
expressions, integer cents throughout; it prints the eligible receivables in cents.
No Django, no checks of a file's shape beyond the types, no problem messages: what
any reader of the file must do at least.

    python bench/polars_floor.py AGING.csv RULES.json

RULES.json: {"as_of": "2003-03-31", "age_limit_days": 90, "cross_age_pct": "0.50",
"concentration_limit_pct": "0.25", "concentration_overrides": {"BELLSOUTH": "0.50"},
"eligible_countries": ["US"]}
"""

import datetime as dt
import json
import sys
from fractions import Fraction

import polars as pl

YES_NO = {"y": True, "yes": True, "true": True, "1": True}
YES_NO |= {"n": False, "no": False, "false": False, "0": False}


def _date(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False), text.str.to_date("%m/%d/%Y", strict=False)
    )


def _cents(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    negative = text.str.starts_with("(") | text.str.starts_with("-")
    digits = text.str.replace_all(r"[$,()\-]", "")
    cents = (digits.cast(pl.Decimal(20, 2), strict=True) * 100).cast(pl.Int64, strict=True)
    return pl.when(negative).then(-cents).otherwise(cents)


def _yes_no(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars().str.to_lowercase().fill_null("n")
    return text.replace_strict(YES_NO, return_dtype=pl.Boolean)


def read(path: str) -> pl.LazyFrame:
    names = {
        "Customer ID": "customer_id",
        "Customer Name": "customer_name",
        "Invoice #": "invoice_number",
        "Inv Date": "invoice_date",
        "Due Date": "due_date",
        "Amount": "amount",
        "Country": "country",
        "Affiliate": "affiliate",
        "Government": "government",
    }
    raw = pl.scan_csv(path, infer_schema=False).rename(names)
    return raw.select(
        pl.col("customer_id").str.strip_chars(),
        pl.col("customer_name").str.strip_chars(),
        pl.col("invoice_number").str.strip_chars(),
        _date("invoice_date").alias("invoice_date"),
        _date("due_date").alias("due_date"),
        pl.col("due_date").is_not_null().alias("due_given"),
        _cents("amount").alias("amount_cents"),
        pl.col("country").str.strip_chars().str.to_uppercase().fill_null("US"),
        _yes_no("affiliate").alias("affiliate"),
        _yes_no("government").alias("government"),
    )


def eligible_cents(frame: pl.LazyFrame, rules: dict) -> int:
    as_of = dt.date.fromisoformat(rules["as_of"])
    cross = Fraction(rules["cross_age_pct"])
    amount = pl.col("amount_cents")
    positive = pl.when(amount > 0).then(amount).otherwise(0)
    aged = (pl.lit(as_of) - pl.col("invoice_date")).dt.total_days() > rules["age_limit_days"]
    customers = frame.group_by("customer_id").agg(
        amount.sum().alias("gross"),
        positive.sum().alias("pos"),
        pl.when(aged).then(positive).otherwise(0).sum().alias("pos_aged"),
        pl.col("country").first(),
        pl.col("affiliate").first(),
        pl.col("government").first(),
        # strict: a date that parsed in neither style, a required cell left empty
        (pl.col("invoice_date").is_null() | pl.col("customer_name").is_null()).sum().alias("bad"),
        (pl.col("due_given") & pl.col("due_date").is_null()).sum().alias("bad_due"),
        pl.col("invoice_number").n_unique().alias("distinct"),
        pl.len().alias("rows"),
    )
    whole = (
        pl.col("affiliate")
        | pl.col("government")
        | ~pl.col("country").is_in(rules["eligible_countries"])
        | (
            (pl.col("pos") > 0)
            & (pl.col("pos_aged") * cross.denominator >= pl.col("pos") * cross.numerator)
        )
    )
    rem = (
        pl.when(pl.col("gross") <= 0)
        .then(pl.col("gross"))
        .when(whole)
        .then(0)
        .otherwise(pl.col("gross") - pl.min_horizontal("gross", "pos_aged"))
    )
    summed = customers.with_columns(rem.alias("rem")).collect(engine="streaming")
    problems = summed.select(
        pl.col("bad").sum() + pl.col("bad_due").sum() + (pl.col("rows") - pl.col("distinct")).sum()
    ).item()
    if problems:
        raise SystemExit(f"{problems} cells or keys did not parse")
    pool = int(summed["rem"].sum())
    if pool <= 0:
        return pool
    default = Fraction(rules["concentration_limit_pct"])
    limits = {cid: Fraction(pct) for cid, pct in rules["concentration_overrides"].items()}
    # The cap in cents, half-up: (pool × num + den // 2) // den for each customer's limit.
    numerator = pl.col("customer_id").replace_strict(
        {cid: f.numerator for cid, f in limits.items()}, default=default.numerator
    )
    denominator = pl.col("customer_id").replace_strict(
        {cid: f.denominator for cid, f in limits.items()}, default=default.denominator
    )
    cap = (pool * numerator + denominator // 2) // denominator
    return int(summed.select(pl.min_horizontal("rem", cap).sum()).item())


def main() -> None:
    path, rules_path = sys.argv[1:3]
    with open(rules_path) as handle:
        rules = json.load(handle)
    print(eligible_cents(read(path), rules))


if __name__ == "__main__":
    main()
