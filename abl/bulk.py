"""Writing many input rows fast: COPY on PostgreSQL, batched inserts elsewhere.

The frames come from abl.readers (exact integer cents); amounts are written as
exact decimal text or integer cents, never through float.

A frame whose columns are all integers, text, dates or booleans goes to
PostgreSQL in COPY's binary format (encoded from Arrow by pgpq): the server
then parses nothing, which halves its work on a million rows. Each column's
type must be the table's own (Int32 for `integer`, Int64 for `bigint`). Other
frames (decimal text) go as CSV.
"""

from collections.abc import Callable

import polars as pl
from django.db import connection

CHUNK_ROWS = 100_000
Progress = Callable[[int, int], None]
BINARY_TYPES = (pl.Int32, pl.Int64, pl.String, pl.Date, pl.Boolean)


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


def _is_binary(frame: pl.DataFrame) -> bool:
    return all(dtype in BINARY_TYPES for dtype in frame.dtypes)


def _copy_postgres(
    table: str, frame: pl.DataFrame, columns: list[str], total: int, progress: Progress | None
) -> None:
    binary = _is_binary(frame)
    options = "FORMAT binary" if binary else "FORMAT csv"
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})"
    with connection.cursor() as cursor:
        for start in range(0, total, CHUNK_ROWS):
            chunk = frame.slice(start, CHUNK_ROWS)
            # One COPY per chunk, so progress can be written between them on this connection.
            with cursor.cursor.copy(sql) as copy:
                if binary:
                    for part in _binary_copy_data(chunk):
                        copy.write(part)
                else:
                    # Quoted strings keep "" apart from NULL (an unquoted empty field).
                    copy.write(chunk.write_csv(include_header=False, quote_style="non_numeric"))
            if progress:
                progress(min(start + CHUNK_ROWS, total), total)


def _binary_copy_data(chunk: pl.DataFrame) -> list[bytes]:
    """A whole COPY binary stream (header, rows, trailer) for one chunk."""
    from pgpq import ArrowToPostgresBinaryEncoder

    arrow = chunk.to_arrow()
    encoder = ArrowToPostgresBinaryEncoder(arrow.schema)
    parts = [encoder.write_header()]
    parts.extend(encoder.write_batch(batch) for batch in arrow.to_batches())
    parts.append(encoder.finish())
    return [bytes(part) for part in parts]


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
