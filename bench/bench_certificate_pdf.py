"""Benchmark: the borrowing base certificate PDF, warm, against a bare WeasyPrint render of the same HTML.

Goal (issue 14): a 2–3 page certificate in ≤ 300 ms warm, and ≤ 1.5× WeasyPrint
alone on the same HTML (the stylesheet inline, no template, no fetcher),
measured in the same run, runs interleaved, medians compared. Ours is what the
task does: the context (the figures, roll-forwards, largest ineligible
customers: three queries), the template, and reporting.pdf.render_pdf. Needs
the PostgreSQL database `bench/bench_submit.py` filled (it takes the newest
submitted certificate there, 2,000 customers). Prints its figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abl_bench .venv/bin/python bench/bench_certificate_pdf.py [--runs N]
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    import django

    django.setup()
    from pypdf import PdfReader

    from abl import documents
    from abl.models import Certificate
    from bench.pdf_timing import compare, inline_stylesheet
    from reporting.pdf import render_html

    certificate = (
        Certificate.objects.filter(status=Certificate.Status.SUBMITTED).order_by("-pk").first()
    )
    if certificate is None or certificate.submitted is None:
        raise SystemExit("no submitted certificate: run bench/bench_submit.py first")
    computation, state = certificate.submitted, "submitted"

    def ours() -> bytes:
        return documents.certificate_pdf(certificate, computation, state)

    html = render_html(documents.TEMPLATE, documents.context(certificate, computation, state))
    bare = inline_stylesheet(html, ROOT / "static" / "css" / "certificate_pdf.css")
    import io

    pages = len(PdfReader(io.BytesIO(ours())).pages)
    compare(f"borrowing base certificate {certificate.pk} PDF ({pages} pages)", ours, bare, runs)


if __name__ == "__main__":
    main()
