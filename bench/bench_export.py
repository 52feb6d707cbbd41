"""Benchmark: the XLSX export of a 1,000,000-invoice certificate.

Goal (issue 14): the export (reading the rows, each invoice's reason, writing)
takes ≤ 2× the time XlsxWriter alone takes to write the same rows, already in
memory, in the same run; and its memory does not grow with the rows (peak RSS
of the export of the first 100,000 invoices against all of them, each in a
process of its own). Needs the PostgreSQL database `bench/bench_submit.py`
filled (it takes the newest submitted certificate there). Prints its figures;
asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench .venv/bin/python bench/bench_export.py

The writers alone (issue 24): XlsxWriter, as `abl.exports.write_xlsx` drives it,
against a Rust-backed writer (`rustpy-xlsxwriter`, when installed) on the same
invoice rows made in memory (seeded; no database), with the cells of both files
read back (python-calamine) and compared, up to `--compare-max` rows:

    .venv/bin/python bench/bench_export.py --writers 200000 1000000 [--runs 2] [--compare-max N]
"""

import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

RUNS = 2


def _setup():  # type: ignore[no-untyped-def]
    import django

    django.setup()
    from abl.models import Certificate

    certificate = (
        Certificate.objects.filter(status=Certificate.Status.SUBMITTED).order_by("-pk").first()
    )
    if certificate is None or certificate.current is None:
        raise SystemExit("no submitted certificate: run bench/bench_submit.py first")
    return certificate


def export_seconds(limit: int | None = None) -> float:
    """The export as the download runs it; with `limit`, only the first `limit` invoices."""
    certificate = _setup()
    from abl import exports

    tables = exports.tables(certificate, certificate.current)
    if limit is not None:
        invoices = tables[0]
        rows = invoices.rows
        tables[0] = exports.Table(
            invoices.name, invoices.columns, lambda: itertools.islice(rows(), limit)
        )
    start = time.perf_counter()
    exports.write_xlsx(tables).close()
    return time.perf_counter() - start


def xlsxwriter_alone_seconds(rows: list[tuple[object, ...]], kinds: list[str]) -> float:
    """XlsxWriter writing the rows, already in memory, the way the export writes a cell."""
    import xlsxwriter

    with tempfile.TemporaryFile() as handle:
        start = time.perf_counter()
        workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet = workbook.add_worksheet("Invoices")
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                kind = kinds[c]
                if kind == "text":
                    sheet.write_string(r, c, value)
                elif kind == "date":
                    sheet.write_datetime(r, c, value, date)
                else:
                    sheet.write_number(r, c, value, money if kind == "money" else None)
        workbook.close()
        return time.perf_counter() - start


def peak_mib_of_export(limit: int | None) -> float:
    """Peak RSS of a process that only runs the export (of `limit` invoices, or all).

    Read from the process's own VmHWM, which starts again at exec (ru_maxrss
    would carry this process's peak over through the fork).
    """
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from bench.bench_export import export_seconds\n"
        f"export_seconds({limit!r})\n"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1]) / 1024


def invoice_rows(count: int) -> list[tuple[object, ...]]:
    """Rows shaped as the Invoices sheet's (text, dates, money, days, bucket, reason), seeded;
    a formula-looking name among them, which both writers must keep as text."""
    import datetime as dt
    import random
    from decimal import Decimal

    from abl.calc.aging import aging_bucket

    rng = random.Random(24)
    as_of = dt.date(2003, 3, 31)
    rows = []
    for n in range(count):
        days = rng.randint(0, 150)
        dated = as_of - dt.timedelta(days=days)
        cents = rng.randint(-50_000, 2_500_000)
        name = '=HYPERLINK("http://evil")' if n == 1 else f"Customer {n % 2000}"
        rows.append(
            (
                f"C{n % 2000:05d}",
                name,
                f"INV-{n + 100000}",
                dated,
                dated + dt.timedelta(days=30) if n % 7 else None,
                Decimal(cents).scaleb(-2),
                days,
                aging_bucket(days),
                "eligible" if days <= 90 else f"past due: {days} days from invoice date",
            )
        )
    return rows


def xlsxwriter_file(rows: list[tuple[object, ...]], path: Path) -> float:
    """The rows written by `abl.exports.write_xlsx` (XlsxWriter), as the Invoices sheet."""
    _setup_bare()
    from abl import exports

    columns = _invoice_columns()
    table = exports.Table("Invoices", columns, lambda: iter(rows))  # type: ignore[arg-type]
    start = time.perf_counter()
    handle = exports.write_xlsx([table])
    seconds = time.perf_counter() - start
    with handle, path.open("wb") as out:
        out.write(handle.read())
    return seconds


def rust_file(rows: list[tuple[object, ...]], path: Path) -> float:
    """The same rows by rustpy-xlsxwriter (rust_xlsxwriter), fed records as they come."""
    import rustpy_xlsxwriter as rust

    titles = [c.title for c in _invoice_columns()]
    money = rust.Format().set_num_format("#,##0.00")
    start = time.perf_counter()
    rust.write_worksheet(
        (dict(zip(titles, row, strict=True)) for row in rows),
        str(path),
        sheet_name="Invoices",
        datetime_format="yyyy-mm-dd",
        bold_headers=True,
        column_formats={"Amount": money},
    )
    return time.perf_counter() - start


def _invoice_columns():  # type: ignore[no-untyped-def]
    from abl import exports

    return (
        exports.Column("Customer ID", exports.TEXT),
        exports.Column("Customer name", exports.TEXT),
        exports.Column("Invoice", exports.TEXT),
        exports.Column("Invoice date", exports.DATE),
        exports.Column("Due date", exports.DATE),
        exports.Column("Amount", exports.MONEY),
        exports.Column("Days", exports.NUMBER),
        exports.Column("Aging bucket", exports.TEXT),
        exports.Column("Reason", exports.TEXT),
    )


def _setup_bare() -> None:
    import django

    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    django.setup()


def cells(path: Path) -> list[list[object]]:
    """Every cell of the Invoices sheet read back; numbers as floats, blanks as ''."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Invoices").to_python()
    return [[float(v) if isinstance(v, int | float) else v for v in row] for row in rows]


def compare_writers(counts: list[int], compare_max: int, runs: int) -> None:
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} ({os.cpu_count()} cores)"
    )
    for count in counts:
        rows = invoice_rows(count)
        with tempfile.TemporaryDirectory() as folder:
            ours, rust = Path(folder) / "xlsxwriter.xlsx", Path(folder) / "rust.xlsx"
            a = [xlsxwriter_file(rows, ours) for _ in range(runs)]
            b = [rust_file(rows, rust) for _ in range(runs)]
            same = "not compared"
            if count <= compare_max:
                same = "identical" if cells(ours) == cells(rust) else "DIFFERENT"
            print(
                f"{count:,} rows: XlsxWriter {', '.join(f'{t:.1f}' for t in a)} s "
                f"({ours.stat().st_size / 2**20:.0f} MiB), rustpy-xlsxwriter "
                f"{', '.join(f'{t:.1f}' for t in b)} s ({rust.stat().st_size / 2**20:.0f} MiB); "
                f"{statistics.median(a) / statistics.median(b):.1f}× faster; cells {same}"
            )


def main() -> None:
    if "--writers" in sys.argv:
        args = sys.argv[sys.argv.index("--writers") + 1 :]
        options = {"--compare-max": 200_000, "--runs": RUNS}
        for option in options:
            if option in args:
                at = args.index(option)
                options[option] = int(args[at + 1])
                del args[at : at + 2]
        compare_writers([int(a) for a in args], options["--compare-max"], options["--runs"])
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database bench_submit.py filled")
    small, large = peak_mib_of_export(100_000), peak_mib_of_export(None)
    certificate = _setup()
    from abl import exports

    invoices = exports.tables(certificate, certificate.current)[0]
    rows = list(invoices.rows())
    kinds = [column.kind for column in invoices.columns]
    alone, ours = [], []
    for _ in range(RUNS):
        alone.append(xlsxwriter_alone_seconds(rows, kinds))
        ours.append(export_seconds())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = statistics.median(ours) / statistics.median(alone)
    print(f"certificate {certificate.pk}: {certificate.current.customers.count():,} customers")
    print(f"XlsxWriter alone, the invoice rows in memory: {', '.join(f'{t:.1f}' for t in alone)} s")
    print(f"the export (read, reasons, write): {', '.join(f'{t:.1f}' for t in ours)} s")
    print(f"ratio of the medians: {ratio:.2f}× XlsxWriter alone (goal ≤ 2.0×)")
    print(f"peak RSS of the export: first 100,000 invoices {small:.0f} MiB, all {large:.0f} MiB")
    print(f"(this process, which held the rows in memory for the baseline: {own:.0f} MiB)")


if __name__ == "__main__":
    main()
