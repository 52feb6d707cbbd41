"""Header names as accounting systems export them, mapped to the rules' column names.

A header is normalised before lookup: lower case, `#` read as "no", every run of
other characters (spaces, `_`, `-`, `.`, `/`) made one `_`. So `Invoice #`,
`invoice no.` and `INVOICE_NO` are all `invoice_no`. docs/collateral-files.md
lists this table.
"""

import re

RECEIVABLES: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id",
        "cust_id",
        "customer_no",
        "cust_no",
        "customer_number",
        "customer_code",
        "cust_code",
        "account_no",
        "debtor_id",
    ),
    "customer_name": (
        "customer_name",
        "customer",
        "cust_name",
        "name",
        "account_name",
        "debtor",
        "debtor_name",
    ),
    "invoice_number": (
        "invoice_number",
        "invoice_no",
        "inv_no",
        "invoice",
        "inv_number",
        "invoice_id",
        "document_no",
        "doc_no",
    ),
    "invoice_date": ("invoice_date", "inv_date", "date", "doc_date", "document_date"),
    "due_date": ("due_date", "due", "date_due", "net_due_date"),
    "amount": (
        "amount",
        "open_amount",
        "balance",
        "amount_due",
        "open_balance",
        "amt",
        "invoice_amount",
        "inv_amount",
    ),
    "country": ("country", "country_code", "ctry"),
    "affiliate": ("affiliate", "intercompany", "related_party", "is_affiliate"),
    "government": ("government", "gov", "govt", "is_government"),
}
INVENTORY: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "item", "item_no", "item_number", "part_no", "part_number", "product_code"),
    "description": ("description", "desc", "item_description", "product_description"),
    "location": ("location", "warehouse", "site", "loc", "whse"),
    "category": ("category", "inventory_category", "inv_category", "class"),
    "program": ("program", "program_id", "special_program"),
    "quantity": ("quantity", "qty", "on_hand", "qty_on_hand", "quantity_on_hand", "units"),
    "unit_cost": ("unit_cost", "cost", "cost_each", "std_cost", "standard_cost", "unit_price"),
    "in_transit": ("in_transit", "transit"),
    "consigned": ("consigned", "consignment", "on_consignment"),
    "obsolete": ("obsolete", "is_obsolete", "obsolete_flag"),
}
PAYABLES: dict[str, tuple[str, ...]] = {
    "customer_id": RECEIVABLES["customer_id"],
    "vendor_name": ("vendor_name", "vendor", "payee", "supplier", "supplier_name"),
    "amount": RECEIVABLES["amount"],
}


def normalise(header: str) -> str:
    text = header.strip().lower().replace("#", " no ")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: field for field, names in aliases.items() for alias in names}


REPAYMENTS: dict[str, tuple[str, ...]] = {
    "value_date": ("value_date", "date", "payment_date", "received", "date_received", "posted"),
    "amount": ("amount", "payment", "amount_received", "receipt", "amt"),
    "kind": ("kind", "type", "payment_type"),
    "reference": ("reference", "ref", "description", "memo", "check_no", "remittance"),
}
