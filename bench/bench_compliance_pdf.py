"""Benchmark: the compliance certificate PDF, warm, against a bare WeasyPrint render of the same HTML.

Goal (issue 13): ≤ 300 ms warm, and ≤ 1.5× a bare WeasyPrint render of the same
HTML measured in the same run. Ours is what the Celery task does to make the
PDF (covenants/services/certificates.py): the Django template rendered with the
certificate's context, then reporting.pdf.render_pdf's WeasyPrint with the
static-files-only fetcher reading the stylesheet. The bare render is WeasyPrint
alone on that same HTML with the stylesheet written inline (no template, no
fetcher). Runs are interleaved and medians compared. No database: the
certificate's objects are built in memory as a submission stores them.
Prints its figures; asserts nothing.

    .venv/bin/python bench/bench_compliance_pdf.py [--runs N]
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "1"

import django  # noqa: E402

django.setup()

from abl.calc.terms import load_terms_yaml  # noqa: E402
from abl.models import Facility, Organisation, TermsVersion, User  # noqa: E402
from covenants.calc.engine import evaluate  # noqa: E402
from covenants.calc.report import result_to_data  # noqa: E402
from covenants.models import CovenantTest, FinancialStatement, StatementVersion  # noqa: E402
from covenants.services.certificates import TEMPLATE, certificate_context  # noqa: E402
from covenants.services.statements import FIGURES  # noqa: E402
from reporting.pdf import render_html, render_pdf  # noqa: E402

FIGURES_2003Q1 = {
    "total_equity": "34500000.00",
    "goodwill": "2000000.00",
    "other_intangibles": "500000.00",
    "deferred_tax_asset": "1500000.00",
    "total_liabilities": "30000000.00",
    "subordinated_debt": "0.00",
    "ebitda": "9000000.00",
    "unfinanced_capex": "1000000.00",
    "cash_taxes": "500000.00",
    "distributions": "0.00",
    "interest_expense": "2000000.00",
    "scheduled_principal": "1000000.00",
    "capex_ytd": "1000000.00",
    "new_business_capex_ytd": "0.00",
}


def context() -> dict[str, object]:
    """The certificate of Innotrac's 2003-03-31 statement, as the task renders it."""
    text = (ROOT / "examples" / "innotrac" / "terms.yaml").read_text()
    terms = load_terms_yaml(text)
    assert terms.covenants is not None
    lender = Organisation(name="SouthTrust Bank, N.A.", kind="bank")
    borrower = Organisation(name="Innotrac Corporation", kind="borrower")
    facility = Facility(slug="innotrac-2003", name="Innotrac Corporation revolving facility")
    facility.lender, facility.borrower = lender, borrower
    terms_version = TermsVersion(facility=facility, version=1, effective_date=dt.date(2003, 2, 18))
    cfo = User(username="dgamsey", first_name="David", last_name="Gamsey")
    statement = FinancialStatement(
        facility=facility,
        kind="actual",
        period_end=dt.date(2003, 3, 31),
        due_on=dt.date(2003, 4, 30),
    )
    version = StatementVersion(
        statement=statement,
        version=1,
        **{name: Decimal(FIGURES_2003Q1[name]) for name in FIGURES},
        certified_by=cfo,
        officer_title="Chief Financial Officer",
        submitted_on=dt.date(2003, 4, 20),
    )
    results = evaluate(
        terms.covenants,
        statement.period_end,
        version.financials(approved_additional_capex=Decimal("0.00")),
    )
    test = CovenantTest(
        statement_version=version,
        terms_version=terms_version,
        approved_additional_capex=Decimal("0.00"),
        at_risk_pct=Decimal("0.10"),
        results=[result_to_data(r) for r in results],
        failed=any(not r.passed for r in results),
    )
    return certificate_context(version, test)


def bare_html(data: dict[str, object]) -> str:
    """The same HTML with its stylesheet inline: what WeasyPrint alone is given."""
    css = (ROOT / "static" / "css" / "compliance_certificate.css").read_text()
    html = render_html(TEMPLATE, data)
    start = html.index('<link rel="stylesheet"')
    end = html.index(">", start) + 1
    return html[:start] + f"<style>{css}</style>" + html[end:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # no progress lines
    import weasyprint

    data = context()
    bare = bare_html(data)
    # Warm: fonts found, the template compiled, the stylesheet read once.
    ours_pdf = render_pdf(TEMPLATE, data)
    weasyprint.HTML(string=bare).write_pdf()
    ours, baseline = [], []
    for _ in range(runs):
        start = time.perf_counter()
        render_pdf(TEMPLATE, data)
        ours.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        weasyprint.HTML(string=bare).write_pdf()
        baseline.append((time.perf_counter() - start) * 1000)
    ours_median, bare_median = statistics.median(ours), statistics.median(baseline)
    print(f"compliance certificate PDF, {len(ours_pdf):,} bytes, {runs} interleaved runs")
    print(
        f"  ours (template + render_pdf):   median {ours_median:6.1f} ms, best {min(ours):6.1f} ms"
    )
    print(
        f"  bare WeasyPrint, same HTML:     median {bare_median:6.1f} ms, best {min(baseline):6.1f} ms"
    )
    print(f"  ratio of medians: {ours_median / bare_median:.2f}× (goal ≤ 1.5×; ours goal ≤ 300 ms)")


if __name__ == "__main__":
    main()
