"""A collateral file's rows: written by COPY under its claim, removed with the file."""

import polars as pl
from django.db import transaction

from abl import bulk
from abl.models import CollateralFile, InventoryItem, Invoice, Payable
from abl.services.processing.claims import Claim, ClaimLost

Kind = CollateralFile.Kind


def store_rows(claim: Claim, collateral: CollateralFile, frame: pl.DataFrame) -> None:
    table, prepared, binary = rows_for_table(collateral, frame)

    def progress(done: int, total: int) -> None:
        if not claim.beat(
            40 + int(50 * done / max(total, 1)), f"Stored {done:,} of {total:,} rows"
        ):
            raise ClaimLost(claim.file_id)

    # Progress written inside a transaction (the command line's) is seen by
    # nobody; there the rows go as one COPY instead of one per chunk.
    visible = not transaction.get_connection().in_atomic_block
    bulk.copy_partition(
        table,
        "file_id",
        collateral.pk,
        prepared,
        binary=binary,
        progress=progress if visible else None,
    )


def rows_for_table(
    collateral: CollateralFile, frame: pl.DataFrame
) -> tuple[str, pl.DataFrame, bool]:
    """The table, the rows as its columns, and whether they can go as binary COPY."""
    file_id = pl.lit(collateral.pk, dtype=pl.Int64).alias("file_id")
    if collateral.kind == Kind.RECEIVABLES:
        # In the drill-down's order (customer, then row), so that a customer's
        # rows lie together and the BRIN index finds them. The reader's rows come
        # in row order; a stable sort by customer keeps it.
        rows = (
            frame.lazy()
            .select(
                file_id,
                "customer_id",
                pl.col("row").cast(pl.Int32),
                "invoice_number",
                "invoice_date",
                "due_date",
                "amount_cents",
            )
            .sort("customer_id", maintain_order=True)
            .with_row_index("seq")
            .with_columns(pl.col("seq").cast(pl.Int32))
            .collect()
        )
        return Invoice._meta.db_table, rows, True
    if collateral.kind == Kind.INVENTORY:
        # The reader's columns are the table's, but for the value: cents → decimal text.
        columns = [
            bulk.cents_as_text(c).alias("value") if c == "value_cents" else pl.col(c)
            for c in frame.columns
        ]
        return InventoryItem._meta.db_table, frame.select(file_id, *columns), False
    return (
        Payable._meta.db_table,
        frame.select(
            file_id,
            "row",
            "customer_id",
            "vendor_name",
            bulk.cents_as_text("amount_cents").alias("amount"),
        ),
        False,
    )


def total_cents(frame: pl.DataFrame, kind: str) -> int:
    column = "value_cents" if kind == Kind.INVENTORY else "amount_cents"
    return int(frame[column].sum() or 0)


def delete_bytes_on_commit(collateral: CollateralFile) -> None:
    """Delete the file's stored bytes once the caller's transaction commits (never before)."""
    if not collateral.stored:
        return
    storage, name = collateral.stored.storage, collateral.stored.name
    transaction.on_commit(lambda: storage.delete(name))


def delete_rows(collateral: CollateralFile) -> None:
    for model in (Invoice, InventoryItem, Payable):
        bulk.delete_partition(model._meta.db_table, "file_id", collateral.pk)
