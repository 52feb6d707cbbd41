"""Writing many input rows fast: COPY on PostgreSQL, batched inserts elsewhere.

The frames come from abl.readers (exact integer cents); amounts are written as
exact decimal text or integer cents, never through float.

With binary=True a frame goes to PostgreSQL in COPY's binary format (encoded
from Arrow by pgpq): the server then parses nothing, which halves its work on a
million rows. Every column must then be of the table's own type exactly (Int32
for `integer`, Int64 for `bigint`, String for text, Date, Boolean); a frame of
decimal text goes as CSV, the default.

A table partitioned by file (the invoice rows, on PostgreSQL) gets each file's
rows in a table of their own: created without indexes, filled by COPY, then
attached, which builds the parent's indexes (for invoices, the primary key on
file and position) in one sorted pass and lets a file's rows be dropped in an
instant. The partitions live in a schema of their own (PARTITION_SCHEMA), the
one schema where the application's role may create anything: `public`, where
the application looks names up, stays closed to it (abl/services/database_roles.py).
Where the table is not partitioned (SQLite), the same calls write to it directly.

With a progress callback, rows go as one COPY per CHUNK_ROWS and progress is
reported between them; without, as one COPY.
"""

from collections.abc import Callable, Iterator

import polars as pl
from django.db import connection

CHUNK_ROWS = 100_000
PARTITION_SCHEMA = "abl_partitions"
Progress = Callable[[int, int], None]
BINARY_TYPES = (pl.Int32, pl.Int64, pl.String, pl.Date, pl.Boolean)


def cents_as_text(column: str | pl.Expr) -> pl.Expr:
    """Integer cents (a column or an expression) → exact decimal text: -123456 → "-1234.56"."""
    cents = pl.col(column) if isinstance(column, str) else column
    whole = (cents.abs() // 100).cast(pl.Utf8)
    frac = (cents.abs() % 100).cast(pl.Utf8).str.zfill(2)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, whole, pl.lit("."), frac])


def copy_frame(
    table: str, frame: pl.DataFrame, *, binary: bool = False, progress: Progress | None = None
) -> int:
    """Insert every row of `frame` (columns named as the table's) and return the count."""
    total = frame.height
    columns = frame.columns
    if binary and not all(dtype in BINARY_TYPES for dtype in frame.dtypes):
        raise TypeError(f"binary COPY takes only {BINARY_TYPES}, not {frame.schema}")
    if connection.vendor == "postgresql":
        _copy_postgres(table, frame, columns, total, progress, binary=binary)
    else:
        _insert_batches(table, frame, columns, total, progress)
    return total


def partition_name(parent: str, key: int) -> str:
    return f"{parent}_f{int(key)}"


def qualified_partition(name: str) -> str:
    """A partition's name, schema-qualified and quoted, for SQL."""
    quote = connection.ops.quote_name
    return f"{quote(PARTITION_SCHEMA)}.{quote(name)}"


def copy_partition(
    parent: str,
    key_column: str,
    key: int,
    frame: pl.DataFrame,
    *,
    binary: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write `frame` (whose `key_column` is `key` throughout) as the partition for `key`."""
    if not is_partitioned(parent):
        return copy_frame(parent, frame, binary=binary, progress=progress)
    name = partition_name(parent, key)
    table = qualified_partition(name)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # A table left by an earlier attempt for this key holds nothing that counts.
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TABLE {table} (LIKE public.{quote(parent)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        # With this constraint in place, attaching needs no scan of the rows.
        cursor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name + '_key')} "
            f"CHECK ({quote(key_column)} = %s)",
            [int(key)],
        )
    copy_frame(table, frame, binary=binary, progress=progress)
    _attach(parent, table, key)
    return frame.height


def _attach(parent: str, table: str, key: int) -> None:
    """Attach a filled table as the partition for `key`: its key is built now, in one pass.

    Building the key also records the partition's row count, which is all the
    planner needs to read a page of positions through the key; no ANALYZE.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE public.{quote(parent)} ATTACH PARTITION {table} FOR VALUES IN (%s)",
            [int(key)],
        )


def delete_partition(parent: str, key_column: str, key: int) -> None:
    """Remove every row of `key`: drop its partition, or delete the rows."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if is_partitioned(parent):
            cursor.execute(
                f"DROP TABLE IF EXISTS {qualified_partition(partition_name(parent, key))}"
            )
        else:
            cursor.execute(
                f"DELETE FROM {quote(parent)} WHERE {quote(key_column)} = %s",  # noqa: S608 - names are ours
                [int(key)],
            )


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None


def _copy_postgres(
    table: str,
    frame: pl.DataFrame,
    columns: list[str],
    total: int,
    progress: Progress | None,
    *,
    binary: bool,
) -> None:
    options = "FORMAT binary" if binary else "FORMAT csv"
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if progress is None:
            # One COPY, each batch sent as it is encoded: the server's work is
            # the COPY's time, so a thread sending while the next batch is
            # encoded would save nothing.
            with raw.copy(sql) as copy:
                for part in _copy_data(frame, binary=binary):
                    copy.write(part)
            return
        for start in range(0, total, CHUNK_ROWS):
            # One COPY per chunk, so progress can be written between them on this connection.
            with raw.copy(sql) as copy:
                for part in _copy_data(frame.slice(start, CHUNK_ROWS), binary=binary):
                    copy.write(part)
            progress(min(start + CHUNK_ROWS, total), total)


def _copy_data(frame: pl.DataFrame, *, binary: bool) -> Iterator[bytes]:
    """A whole COPY stream of the frame, a batch of CHUNK_ROWS rows at a time."""
    if not binary:
        for start in range(0, frame.height, CHUNK_ROWS):
            # Quoted strings keep "" apart from NULL (an unquoted empty field).
            chunk = frame.slice(start, CHUNK_ROWS)
            yield chunk.write_csv(include_header=False, quote_style="non_numeric").encode()
        return
    from pgpq import ArrowToPostgresBinaryEncoder

    arrow = frame.to_arrow()
    encoder = ArrowToPostgresBinaryEncoder(arrow.schema)
    yield bytes(encoder.write_header())
    for batch in arrow.to_batches(max_chunksize=CHUNK_ROWS):
        yield bytes(encoder.write_batch(batch))
    yield bytes(encoder.finish())


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
