"""From a file on disk to a frame of text cells, with the spreadsheet row of each.

The content decides the type, not the name: an XLSX is a zip, checked (size,
entries, compression ratio) as it is inflated, before the workbook is opened; a
CSV is text. A file that is neither, or that is not what its name says, is
refused.
"""

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from abl.readers.errors import CollateralFileError, Problem, printable
from abl.readers.limits import ReaderLimits

ZIP = b"PK\x03\x04"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
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
HEAD_BYTES = 65536
INFLATE_CHUNK = 65536  # compressed bytes a step: small steps stay in the CPU's cache


def _refuse(message: str) -> CollateralFileError:
    return CollateralFileError([Problem(None, None, message)])


@dataclass(frozen=True)
class Table:
    """A file's cells as text (`frame`, lazy, plus `row`) and its header row as written."""

    frame: pl.LazyFrame
    header: list[str]  # as written, in order; the frame's column at the same position
    path: Path
    encoding: str | None  # a CSV's text encoding (for finding ragged rows); None for XLSX
    filename: str


class RaggedRowsError(Exception):
    """A CSV row has more fields than its header; `ragged_rows` names them."""


class CsvEncodingError(Exception):
    """The CSV is not UTF-8; read it again as Windows-1252."""


def read_table(
    path: Path,
    *,
    filename: str,
    limits: ReaderLimits,
    cp1252: bool = False,
    wanted: Callable[[str], bool] = lambda header: True,
) -> Table:
    """All cells as text, header names as written, plus `row` (Int64).

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
        head = handle.read(HEAD_BYTES)
    if head.startswith(ZIP):
        if suffix not in XLSX_SUFFIXES:
            raise _refuse(
                f"{filename} is a zip or Excel workbook, not a CSV file as its name says."
            )
        return _read_xlsx(path, filename, limits, wanted)
    for signature, what in SIGNATURES.items():
        if head.startswith(signature):
            raise _refuse(f"{filename} is {what}, not a CSV or Excel workbook.")
    if suffix in XLSX_SUFFIXES:
        raise _refuse(f"{filename} is not an Excel workbook (its content is not .xlsx).")
    return _read_csv(path, filename, head, cp1252=cp1252)


def _read_csv(path: Path, filename: str, head: bytes, *, cp1252: bool) -> Table:
    source: Path | bytes = path
    encoding = "utf-8-sig"  # polars strips a BOM and checks UTF-8
    if head.startswith(UTF16_BOMS):
        encoding = "utf-16"  # the BOM says which byte order
        try:
            source = path.read_bytes().decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            raise _refuse(f"{filename} starts as UTF-16 text but is not.") from None
    elif not _is_text(head):
        raise _refuse(
            f"{filename} is not a text file, so not a CSV (text is read as UTF-8, "
            "Windows-1252, or UTF-16 with a byte order mark)."
        )
    elif cp1252:
        # Many US accounting exports are Windows-1252; read them as such.
        encoding = "cp1252"
        source = path.read_bytes().decode(encoding, errors="replace").encode("utf-8")
    header = _csv_header(source, encoding, filename)
    frame = pl.scan_csv(_open(source), infer_schema=False)
    return Table(
        frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64)),
        header,
        path,
        encoding,
        filename,
    )


def _is_text(head: bytes) -> bool:
    """Whether the first bytes can be a CSV: not mostly NULs, and UTF-8 or Windows-1252.

    UTF-16 without a byte order mark is half NULs; random or binary data is
    neither UTF-8 nor Windows-1252 (five of its bytes mean nothing). A NUL here
    and there is a cell's problem, found with its row and column.
    """
    if head.count(0) * 4 > len(head):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


def _open(source: Path | bytes) -> Path | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _csv_header(source: Path | bytes, encoding: str, filename: str) -> list[str]:
    # Python's csv module reads the first record only, and as written: polars
    # renames the second `Amount` to `Amount_duplicated_0`.
    text = (
        io.TextIOWrapper(io.BytesIO(source), encoding="utf-8", newline="")
        if isinstance(source, bytes)
        else source.open(encoding=encoding, errors="replace", newline="")
    )
    try:
        with text:
            return next(csv.reader(text), [])
    except csv.Error as error:
        raise _refuse(f"{filename} could not be read as CSV: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    return printable(str(error).splitlines()[0][:200]) if str(error) else type(error).__name__


def collect(frame: pl.LazyFrame, *, filename: str) -> pl.DataFrame:
    """Run a reading pipeline, streaming; a malformed CSV becomes a refusal."""
    try:
        return frame.collect(engine="streaming")
    except pl.exceptions.ComputeError as error:
        if "utf-8" in str(error).lower():
            raise CsvEncodingError(str(error)) from None
        if "more fields than defined" in str(error):
            raise RaggedRowsError from None
        raise _refuse(f"{filename} could not be read as CSV: {_first_line(error)}") from None
    except pl.exceptions.NoDataError:
        raise _refuse(f"{filename} has no data rows.") from None


def ragged_rows(table: Table, *, limit: int) -> CollateralFileError:
    """The refusal naming the rows with more fields than the header: the first `limit`, counted all.

    Streams the file again through Python's csv module, which numbers records
    as polars does (a quoted line break stays inside its record).
    """
    assert table.encoding is not None
    width = len(table.header)
    problems: list[Problem] = []
    more = 0
    try:
        with table.path.open(encoding=table.encoding, errors="replace", newline="") as text:
            for row, fields in enumerate(csv.reader(text), start=1):
                if len(fields) > width:
                    if len(problems) < limit:
                        problems.append(
                            Problem(row, None, f"has {len(fields)} fields; the header has {width}")
                        )
                    else:
                        more += 1
    except csv.Error:
        problems = []
    if not problems:  # polars and the csv module disagree on this file
        return _refuse(f"{table.filename} could not be read as CSV: a row has too many fields.")
    return CollateralFileError(problems, more=more)


def _check_zip(path: Path, filename: str, limits: ReaderLimits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise _refuse(f"{filename} is not a valid Excel workbook (a damaged zip).") from None
    if len(entries) > limits.xlsx_max_entries:
        raise _refuse(
            f"{filename} holds {len(entries):,} parts; the limit is {limits.xlsx_max_entries:,}."
        )
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        raise _refuse(f"{filename} is a zip file but not an Excel workbook.")
    packed = sum(e.compress_size for e in entries) or 1
    cap = limits.xlsx_max_uncompressed_bytes
    # What the archive declares: a cheap early refusal, but it may lie ...
    declared = sum(e.file_size for e in entries)
    if declared > cap:
        raise _refuse(
            f"{filename} would unpack to {declared:,} bytes; the limit is {cap:,} "
            "(refused as a possible zip bomb)."
        )
    _check_ratio(filename, declared, packed, limits)
    # ... so count what it really inflates to, stopping just past the limit.
    unpacked = _inflated_size(
        path, filename, entries, stop_after=min(cap, limits.xlsx_max_ratio * packed)
    )
    if unpacked > cap:
        raise _refuse(
            f"{filename} unpacks to more than {cap:,} bytes, the limit, whatever it declares "
            "(refused as a possible zip bomb)."
        )
    _check_ratio(filename, unpacked, packed, limits)


def _check_ratio(filename: str, unpacked: int, packed: int, limits: ReaderLimits) -> None:
    if unpacked / packed > limits.xlsx_max_ratio:
        raise _refuse(
            f"{filename} is compressed {unpacked / packed:,.0f} to 1; the limit is "
            f"{limits.xlsx_max_ratio} to 1 (refused as a possible zip bomb)."
        )


def _inflated_size(
    path: Path, filename: str, entries: list[zipfile.ZipInfo], *, stop_after: int
) -> int:
    """The bytes the entries really inflate to, counted up to just past `stop_after`.

    Inflated here with zlib, not through `ZipFile.open`, which stops at the
    size the archive declares (and so cannot see it lie).
    """
    total = 0
    cap = stop_after
    damaged = _refuse(f"{filename} is not a valid Excel workbook (a damaged zip).")
    with path.open("rb") as handle:
        for entry in entries:
            handle.seek(entry.header_offset)
            local = handle.read(30)
            if len(local) < 30 or not local.startswith(ZIP):
                raise damaged
            name_length, extra_length = struct.unpack("<HH", local[26:30])
            handle.seek(name_length + extra_length, io.SEEK_CUR)
            if entry.compress_type == zipfile.ZIP_STORED:
                total += entry.compress_size
            elif entry.compress_type == zipfile.ZIP_DEFLATED:
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                left = entry.compress_size
                while left > 0 and total <= cap:
                    data = handle.read(min(left, INFLATE_CHUNK))
                    if not data:
                        raise damaged
                    left -= len(data)
                    try:
                        while data and total <= cap:
                            total += len(inflater.decompress(data, 4 * INFLATE_CHUNK))
                            data = inflater.unconsumed_tail
                    except zlib.error:
                        raise damaged from None
            else:
                raise _refuse(f"{filename} uses a compression Excel does not write.")
            if total > cap:
                break
    return total


# fastexcel names the second `Amount` column `Amount_1`, the third `Amount_2`.
_RENAMED = re.compile(r"(.*)_([1-9][0-9]*)")


def _xlsx_header(names: list[str]) -> list[str]:
    """The header as written, from fastexcel's names (which are made unique)."""
    written: list[str] = []
    for name in names:
        renamed = _RENAMED.fullmatch(name)
        written.append(renamed[1] if renamed and renamed[1] in written else name)
    return written


def _read_xlsx(
    path: Path, filename: str, limits: ReaderLimits, wanted: Callable[[str], bool]
) -> Table:
    """The first sheet, every cell as text, through fastexcel (calamine, into Arrow).

    Numbers come back as the shortest text of their value (1234.56, never
    1234.5599999); a date cell as `YYYY-MM-DD 00:00:00`. The first row is the
    header; columns that are not `wanted` are skipped.
    """
    _check_zip(path, filename, limits)
    import fastexcel

    names: list[str] = []

    def use(column: "fastexcel.ColumnInfoNoDtype") -> bool:
        names.append(column.name)
        return wanted(column.name)

    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string", use_columns=use)
        frame = sheet.to_polars()
    except Exception as error:  # fastexcel raises its own error types for damaged workbooks
        raise _refuse(
            f"{filename} could not be read as an Excel workbook: {_first_line(error)}"
        ) from None
    return Table(
        frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("row")).lazy(),
        _xlsx_header(names),
        path,
        None,
        filename,
    )
