"""Timing a PDF of ours against WeasyPrint alone on the same HTML: shared by the PDF benchmarks."""

import statistics
import time
from collections.abc import Callable
from pathlib import Path


def inline_stylesheet(html: str, css: Path) -> str:
    """The HTML with its one linked stylesheet written inline: what WeasyPrint alone is given."""
    start = html.index('<link rel="stylesheet"')
    end = html.index(">", start) + 1
    return html[:start] + f"<style>{css.read_text()}</style>" + html[end:]


def compare(name: str, ours: Callable[[], bytes], bare_html: str, runs: int) -> None:
    """Warm both, then time them interleaved; print the medians and their ratio."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # no progress lines
    size = len(ours())
    weasyprint.HTML(string=bare_html).write_pdf()
    mine, baseline = [], []
    for _ in range(runs):
        start = time.perf_counter()
        ours()
        mine.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        weasyprint.HTML(string=bare_html).write_pdf()
        baseline.append((time.perf_counter() - start) * 1000)
    ours_median, bare_median = statistics.median(mine), statistics.median(baseline)
    print(f"{name}, {size:,} bytes, {runs} interleaved runs")
    print(f"  ours:                       median {ours_median:6.1f} ms, best {min(mine):6.1f} ms")
    print(
        f"  bare WeasyPrint, same HTML: median {bare_median:6.1f} ms, best {min(baseline):6.1f} ms"
    )
    print(f"  ratio of medians: {ours_median / bare_median:.2f}× (goal ≤ 1.5×; ours goal ≤ 300 ms)")
