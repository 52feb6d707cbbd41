"""From a file on disk to a frame of text cells, with the spreadsheet row of each.

The content decides the type, not the name: an XLSX is a zip, checked (size,
entries, compression ratio) before anything is inflated; a CSV is text. A file
that is neither, or that is not what its name says, is refused.
"""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from abl.readers.errors import CollateralFileError, Problem
from abl.readers.limits import ReaderLimits

ZIP = b"PK\x03\x04"
SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"MZ": "a Windows program",
    b"\x7fELF": "a program",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Office file; save it as .xlsx or .csv",
    b"\x1f\x8b": "a gzip archive",
}
CSV_SUFFIXES = {".csv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}


def _refuse(message: str) -> CollateralFileError:
    return CollateralFileError([Problem(None, None, message)])


def read_table(
    path: Path,
    *,
    filename: str,
    limits: ReaderLimits,
    cp1252: bool = False,
    wanted: Callable[[str], bool] = lambda header: True,
) -> pl.LazyFrame:
    """All cells as text, header names as written, plus `row` (Int64): a lazy frame.

    A CSV is scanned, not loaded: the caller's pipeline streams through it. If
    collecting raises CsvEncodingError, call again with cp1252=True. Of a
    workbook, only the columns whose header is `wanted` are converted.
    """
    size = path.stat().st_size
    if size == 0:
        raise _refuse(f"{filename} is empty.")
    if size > limits.max_bytes:
        raise _refuse(f"{filename} is {size:,} bytes; the limit is {limits.max_bytes:,}.")
    suffix = Path(filename).suffix.lower()
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        raise _refuse(
            f"{filename}: upload a .csv or .xlsx file, not {suffix or 'a file without extension'}."
        )
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith(ZIP):
        if suffix not in XLSX_SUFFIXES:
            raise _refuse(
                f"{filename} is a zip or Excel workbook, not a CSV file as its name says."
            )
        return _read_xlsx(path, filename, limits, wanted).lazy()
    for signature, what in SIGNATURES.items():
        if head.startswith(signature):
            raise _refuse(f"{filename} is {what}, not a CSV or Excel workbook.")
    if suffix in XLSX_SUFFIXES:
        raise _refuse(f"{filename} is not an Excel workbook (its content is not .xlsx).")
    if b"\x00" in head:
        raise _refuse(f"{filename} is not a text file, so not a CSV.")
    source: Path | io.BytesIO = path
    if cp1252:
        # Many US accounting exports are Windows-1252; read them as such.
        source = io.BytesIO(path.read_bytes().decode("cp1252", errors="replace").encode("utf-8"))
    frame = pl.scan_csv(source, infer_schema=False)  # polars strips a BOM and checks UTF-8
    return frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))


class CsvEncodingError(Exception):
    """The CSV is not UTF-8; read it again as Windows-1252."""


def collect(frame: pl.LazyFrame, *, filename: str) -> pl.DataFrame:
    """Run a reading pipeline, streaming; a malformed CSV becomes a refusal."""
    try:
        return frame.collect(engine="streaming")
    except pl.exceptions.ComputeError as error:
        if "utf-8" in str(error).lower():
            raise CsvEncodingError(str(error)) from None
        detail = str(error).splitlines()[0][:200]
        raise _refuse(f"{filename} could not be read as CSV: {detail}") from None
    except pl.exceptions.NoDataError:
        raise _refuse(f"{filename} has no data rows.") from None


def header(frame: pl.LazyFrame, *, filename: str) -> list[str]:
    try:
        return [c for c in frame.collect_schema().names() if c != "row"]
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise _refuse(
            f"{filename} could not be read as CSV: {str(error).splitlines()[0][:200]}"
        ) from None


def _check_zip(path: Path, filename: str, limits: ReaderLimits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise _refuse(f"{filename} is not a valid Excel workbook (a damaged zip).") from None
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if len(entries) > limits.xlsx_max_entries:
        raise _refuse(
            f"{filename} holds {len(entries):,} parts; the limit is {limits.xlsx_max_entries:,}."
        )
    if unpacked > limits.xlsx_max_uncompressed_bytes:
        raise _refuse(
            f"{filename} would unpack to {unpacked:,} bytes; the limit is "
            f"{limits.xlsx_max_uncompressed_bytes:,} (refused as a possible zip bomb)."
        )
    if unpacked / packed > limits.xlsx_max_ratio:
        raise _refuse(
            f"{filename} is compressed {unpacked / packed:,.0f} to 1; the limit is "
            f"{limits.xlsx_max_ratio} to 1 (refused as a possible zip bomb)."
        )
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        raise _refuse(f"{filename} is a zip file but not an Excel workbook.")


def _read_xlsx(
    path: Path, filename: str, limits: ReaderLimits, wanted: Callable[[str], bool]
) -> pl.DataFrame:
    """The first sheet, every cell as text, through fastexcel (calamine, into Arrow).

    Numbers come back as the shortest text of their value (1234.56, never
    1234.5599999); a date cell as `YYYY-MM-DD 00:00:00`. The first row is the
    header; columns that are not `wanted` are skipped.
    """
    _check_zip(path, filename, limits)
    import fastexcel

    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(
            0, dtypes="string", use_columns=lambda column: wanted(column.name)
        )
        frame = sheet.to_polars()
    except Exception as error:  # fastexcel raises its own error types for damaged workbooks
        raise _refuse(f"{filename} could not be read as an Excel workbook: {error}") from None
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("row"))
