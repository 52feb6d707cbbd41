"""The one catalogue of hostile receivables agings, run through every way in (issue 9).

Each case is a file (its name and a builder of its bytes), the settings it is
read under, and what must come of it: the exact problems as (row, column,
message), or accepted with the customers' names stored exactly as written.
The as-of date is 2003-03-31. Large files are built once per session.
"""

import functools
import io
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

AS_OF = "2003-03-31"
HEADER = (
    "Customer ID,Customer Name,Invoice #,Inv Date,Due Date,Amount,Country,Affiliate,Government\n"
)
GOOD = "A,Alpha,1,2003-01-02,,10.00,US,N,N\n"
MiB = 1024 * 1024
NOT_TEXT = (
    " is not a text file, so not a CSV (text is read as UTF-8, Windows-1252, "
    "or UTF-16 with a byte order mark)."
)
FORMULA = '=HYPERLINK("http://example.com/x","Click")'
SCRIPT = "<script>alert(1)</script>"
Expected = tuple[tuple[int | None, str | None, str], ...]


@dataclass(frozen=True)
class Case:
    id: str
    filename: str
    build: Callable[[], bytes]
    problems: Expected | None  # None: accepted
    settings: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # accepted: customer id → name stored

    @property
    def accepted(self) -> bool:
        return self.problems is None

    def lines(self) -> list[str]:
        """The problems as a command prints them: "row 3, column 'x': message"."""
        assert self.problems is not None
        return [_line(*problem) for problem in self.problems]

    def write(self, folder: Path) -> Path:
        path = folder / self.filename
        path.write_bytes(self.build())
        return path


def _line(row: int | None, column: str | None, message: str) -> str:
    where = ", ".join(
        part
        for part in (f"row {row}" if row else "", f"column '{column}'" if column else "")
        if part
    )
    return f"{where}: {message}" if where else message


def _csv(text: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: text.encode(encoding)


# Built once per session: the builders are cached.


@functools.cache
def png_named_csv() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(3).randbytes(2000)


@functools.cache
def nul_after_64_kb() -> bytes:
    rows = "".join(f"A,Alpha,{i},2003-01-02,,1.00,US,N,N\n" for i in range(5000))
    data = (HEADER + rows + "A,Alpha,x,2003-01-02,,1.00\x00,US,N,N\n").encode()
    assert data.index(b"\x00") > 65536
    return data


@functools.cache
def random_50_mb() -> bytes:
    return random.Random(7).randbytes(50 * MiB)


def workbook(sheet: bytes | str, *, compresslevel: int = 1) -> bytes:
    """A minimal workbook around one sheet's XML, written with zipfile."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relationships}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{relationships}">'
            '<sheets><sheet name="Aging" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relationships}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


@functools.cache
def excel_maximum_rows() -> bytes:
    """Excel's largest sheet: a header and 1,048,575 rows (only column A filled)."""
    header = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip(
            "ABCDE",
            ["Customer ID", "Customer Name", "Invoice #", "Inv Date", "Amount"],
            strict=True,
        )
    )
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 1_048_577))
    return workbook(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row r="1">{header}</row>{rows}</sheetData></worksheet>'
    )


def declare(archive: bytes, name: bytes, size: int) -> bytes:
    """`archive` with the uncompressed size of `name` patched to `size`, where zip keeps it
    twice: its local header (offset 22; name at 30) and its central directory entry (24; 46)."""
    data = bytearray(archive)
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at : start + name_at + len(name)] == name:
                struct.pack_into("<I", data, start + size_at, size)
            start += 4
    return bytes(data)


@functools.cache
def undeclared_zip_bomb() -> bytes:
    """A workbook whose sheet inflates to 3 MiB but declares 1,000 bytes."""
    sheet = random.Random(1).randbytes(1024) * (3 * 1024)
    return declare(workbook(sheet, compresslevel=6), b"xl/worksheets/sheet1.xml", 1000)


@functools.cache
def declared_zip_bomb() -> bytes:
    """A workbook that says what it is: 50 MiB of zeros in its sheet."""
    return workbook(b"0" * (50 * MiB), compresslevel=6)


def declared_ratio(data: bytes) -> str:
    """What a zip declares: unpacked over packed, as the refusal writes it (e.g. "1,017")."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
    return f"{sum(e.file_size for e in entries) / sum(e.compress_size for e in entries):,.0f}"


def declared_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(e.file_size for e in archive.infolist())


SMALL_ZIP_LIMIT = {"ABL_XLSX_MAX_UNCOMPRESSED_BYTES": MiB}

CASES = [
    Case(
        "png-named-csv",
        "aging.csv",
        png_named_csv,
        ((None, None, "aging.csv is a PNG image, not a CSV or Excel workbook."),),
    ),
    Case(
        "header-only",
        "aging.csv",
        _csv(HEADER),
        ((None, None, "aging.csv has no data rows."),),
    ),
    Case(
        "impossible-date",
        "aging.csv",
        _csv(HEADER + "A,Alpha,1,02/30/2003,,10.00,US,N,N\n"),
        ((2, "invoice_date", "not a date (YYYY-MM-DD or MM/DD/YYYY): '02/30/2003'"),),
    ),
    Case(
        "nul-after-64-kb",
        "aging.csv",
        nul_after_64_kb,
        ((5002, "amount", "has a control character: '1.00\\x00'"),),
    ),
    Case(
        "name-of-300-characters",
        "aging.csv",
        _csv(HEADER + "A," + "N" * 300 + ",1,2003-01-02,,10.00,US,N,N\n"),
        ((2, "customer_name", "longer than 255 characters (300)"),),
    ),
    Case(
        "nul-in-a-name",
        "aging.csv",
        _csv(HEADER + GOOD + "B,Be\x00ta,2,2003-01-02,,10.00,US,N,N\n"),
        ((3, "customer_name", "has a control character: 'Be\\x00ta'"),),
    ),
    Case(
        "id-and-invoice-number-over-100",
        "aging.csv",
        _csv(HEADER + "C" * 101 + ",Alpha," + "9" * 150 + ",2003-01-02,,10.00,US,N,N\n"),
        (
            (2, "customer_id", "longer than 100 characters (101)"),
            (2, "invoice_number", "longer than 100 characters (150)"),
        ),
    ),
    Case(
        "two-amount-columns",
        "aging.csv",
        _csv(HEADER.replace("Government", "Amount") + GOOD),
        ((1, "amount", "the column 'Amount' appears twice (columns 6 and 9)"),),
    ),
    Case(
        "two-customer-id-columns",
        "aging.csv",
        _csv(HEADER.rstrip("\n") + ",Customer ID\n" + GOOD.rstrip("\n") + ",A\n"),
        ((1, "customer_id", "the column 'Customer ID' appears twice (columns 1 and 10)"),),
    ),
    Case(
        "ragged-row",
        "aging.csv",
        _csv(HEADER + GOOD + "B,Beta,2,2003-01-02,,10.00,US,N,N,extra\n"),
        ((3, None, "has 10 fields; the header has 9"),),
    ),
    Case(
        "utf-16-without-bom",
        "aging.csv",
        _csv(HEADER + GOOD, "utf-16-le"),
        ((None, None, "aging.csv" + NOT_TEXT),),
    ),
    Case(
        "invoice-after-the-as-of-date",
        "aging.csv",
        _csv(HEADER + GOOD + "A,Alpha,2,04/02/2003,,10.00,US,N,N\n"),
        ((3, "invoice_date", "dated 2003-04-02, after the as-of date 2003-03-31"),),
    ),
    Case(
        "undeclared-zip-bomb",
        "aging.xlsx",
        undeclared_zip_bomb,
        (
            (
                None,
                None,
                "aging.xlsx unpacks to more than 1,048,576 bytes, the limit, whatever it "
                "declares (refused as a possible zip bomb).",
            ),
        ),
        settings=SMALL_ZIP_LIMIT,
    ),
    Case(
        "declared-zip-bomb",
        "aging.xlsx",
        declared_zip_bomb,
        (
            (
                None,
                None,
                "aging.xlsx would unpack to 52,430,162 bytes; the limit is 1,048,576 "
                "(refused as a possible zip bomb).",
            ),
        ),
        settings=SMALL_ZIP_LIMIT,
    ),
    Case(
        "50-mb-of-random-bytes",
        "aging.csv",
        random_50_mb,
        ((None, None, "aging.csv" + NOT_TEXT),),
    ),
    Case(
        "excels-maximum-rows",
        "aging.xlsx",
        excel_maximum_rows,
        ((None, None, "aging.xlsx has 1,048,575 data rows; the limit is 1,000,000."),),
        settings={"ABL_UPLOAD_MAX_ROWS": 1_000_000},
    ),
    Case(
        "html-in-the-file-name",
        "<img src=x onerror=alert(1)>.csv",
        _csv(HEADER),
        ((None, None, "<img src=x onerror=alert(1)>.csv has no data rows."),),
    ),
    Case(
        "a-long-extension",
        "aging." + "x" * 120,
        _csv(HEADER + GOOD),
        (
            (
                None,
                None,
                "aging." + "x" * 120 + ": upload a .csv or .xlsx file, not ." + "x" * 120 + ".",
            ),
        ),
    ),
    # Accepted oddities.
    Case(
        "utf-16-with-bom",
        "aging.csv",
        _csv("\ufeff" + HEADER + "A,Café,1,2003-01-02,,10.00,US,N,N\n", "utf-16-le"),
        None,
        names={"A": "Café"},
    ),
    Case(
        "windows-1252",
        "aging.csv",
        _csv(HEADER + "A,Café Ünïon’s,1,2003-01-02,,10.00,US,N,N\n", "cp1252"),
        None,
        names={"A": "Café Ünïon’s"},
    ),
    Case(
        "utf-8-bom",
        "aging.csv",
        _csv("\ufeff" + HEADER + "A,Crème Brûlée,1,2003-01-02,,10.00,US,N,N\n"),
        None,
        names={"A": "Crème Brûlée"},
    ),
    Case(
        "formulas-and-html-in-names",
        "aging.csv",
        _csv(
            HEADER
            + f'F,"{FORMULA.replace(chr(34), chr(34) * 2)}",1,2003-01-02,,10.00,US,N,N\n'
            + "P,+1,2,2003-01-02,,10.00,US,N,N\n"
            + "S,@SUM(1),3,2003-01-02,,10.00,US,N,N\n"
            + f"X,{SCRIPT},4,2003-01-02,,10.00,US,N,N\n"
        ),
        None,
        names={"F": FORMULA, "P": "+1", "S": "@SUM(1)", "X": SCRIPT},
    ),
]
REFUSED = [case for case in CASES if not case.accepted]
ACCEPTED = [case for case in CASES if case.accepted]
BY_ID = {case.id: case for case in CASES}
