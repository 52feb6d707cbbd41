"""Benchmark: the XLSX export of a 1,000,000-invoice certificate.

Goal (issue 14): the export (reading the rows, each invoice's reason, writing)
takes ≤ 2× the time XlsxWriter alone takes to write the same rows, already in
memory, in the same run; and its memory does not grow with the rows (peak RSS
of the export of the first 100,000 invoices against all of them, each in a
process of its own). Needs the PostgreSQL database `bench/bench_submit.py`
filled (it takes the newest submitted certificate there). Prints its figures;
asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench .venv/bin/python bench/bench_export.py
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


def main() -> None:
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
