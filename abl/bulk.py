"""Writing many input rows fast: COPY on PostgreSQL, batched inserts elsewhere.

The frames come from abl.readers (exact integer cents); amounts are written as
exact decimal text, never through float.
"""

from collections.abc import Callable

import polars as pl
from django.db import connection

CHUNK_ROWS = 100_000
Progress = Callable[[int, int], None]


def cents_as_text(column: str) -> pl.Expr:
    """Integer cents → exact decimal text: -123456 → "-1234.56"."""
    cents = pl.col(column)
    whole = (cents.abs() // 100).cast(pl.Utf8)
    frac = (cents.abs() % 100).cast(pl.Utf8).str.zfill(2)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, whole, pl.lit("."), frac])


def copy_frame(table: str, frame: pl.DataFrame, *, progress: Progress | None = None) -> int:
    """Insert every row of `frame` (columns named as the table's) and return the count."""
    total = frame.height
    columns = frame.columns
    if connection.vendor == "postgresql":
        _copy_postgres(table, frame, columns, total, progress)
    else:
        _insert_batches(table, frame, columns, total, progress)
    return total


def _copy_postgres(
    table: str, frame: pl.DataFrame, columns: list[str], total: int, progress: Progress | None
) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cursor:
        for start in range(0, total, CHUNK_ROWS):
            chunk = frame.slice(start, CHUNK_ROWS)
            # One COPY per chunk, so progress can be written between them on this connection.
            with cursor.cursor.copy(sql) as copy:
                # Quoted strings keep "" apart from NULL (an unquoted empty field).
                copy.write(chunk.write_csv(include_header=False, quote_style="non_numeric"))
            if progress:
                progress(min(start + CHUNK_ROWS, total), total)


def _insert_batches(
    table: str, frame: pl.DataFrame, columns: list[str], total: int, progress: Progress | None
) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - names are ours
    with connection.cursor() as cursor:
        for start in range(0, total, CHUNK_ROWS):
            chunk = frame.slice(start, CHUNK_ROWS)
            cursor.executemany(sql, chunk.rows())
            if progress:
                progress(min(start + CHUNK_ROWS, total), total)
