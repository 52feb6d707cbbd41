"""Reading a collateral file with the limits the settings give.

Used by processing, the computations and the commands. It imports no model, so
`manage.py borrowing_base`, which needs no database, runs without setting up
the application registry (manage.py).
"""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from abl.readers import ReaderLimits, read_inventory, read_payables, read_receivables

# By CollateralFile.Kind's values.
READERS: dict[str, Callable[..., pl.DataFrame]] = {
    "receivables": read_receivables,
    "inventory": read_inventory,
    "payables": read_payables,
}


def reader_limits() -> ReaderLimits:
    return ReaderLimits(
        max_bytes=settings.ABL_UPLOAD_MAX_BYTES,
        max_rows=settings.ABL_UPLOAD_MAX_ROWS,
        max_problems=settings.ABL_UPLOAD_MAX_PROBLEMS,
        xlsx_max_uncompressed_bytes=settings.ABL_XLSX_MAX_UNCOMPRESSED_BYTES,
        xlsx_max_entries=settings.ABL_XLSX_MAX_ENTRIES,
        xlsx_max_ratio=settings.ABL_XLSX_MAX_RATIO,
    )


def read_collateral(
    kind: str, path: Path, *, filename: str | None = None, as_of: dt.date | None = None
) -> pl.DataFrame:
    """Read and check a file of that kind; raises CollateralFileError listing every problem."""
    options: dict[str, Any] = {"limits": reader_limits(), "filename": filename or path.name}
    if kind == "receivables" and as_of is not None:
        options["as_of"] = as_of
    return READERS[kind](path, **options)
