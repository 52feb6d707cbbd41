"""`manage.py borrowing_base`: the §10 contract, run as an analyst runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.abl.conftest import AGING

ROOT = Path(__file__).resolve().parents[2]
TERMS = ROOT / "examples" / "innotrac" / "terms.yaml"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "borrowing_base", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1"},
        check=False,
    )


@pytest.fixture
def aging(tmp_path):
    path = tmp_path / "aging.csv"
    path.write_text(AGING)
    return path


def test_prints_the_json_contract(aging):
    result = _run(
        "--terms",
        str(TERMS),
        "--as-of",
        "2003-03-31",
        "--ar",
        str(aging),
        "--outstanding",
        "100000.00",
        "--json",
    )

    figures = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert figures["gross_receivables"] == "1245000.00"
    assert figures["ineligible_receivables"]["concentration"] == "452500.00"
    assert figures["receivables_availability"] == "546125.00"
    assert figures["excess_availability"] == "446125.00"
    assert figures["excess_availability_pct"] == "0.8169"
    assert figures["reporting_frequency"] == "monthly"


def test_with_the_innotrac_sample_files():
    samples = ROOT / "examples" / "innotrac"

    result = _run(
        "--terms",
        str(TERMS),
        "--as-of",
        "2003-03-31",
        "--ar",
        str(samples / "receivables.xlsx"),
        "--inventory",
        str(samples / "inventory.csv"),
        "--ap",
        str(samples / "payables.csv"),
    )

    figures = json.loads(result.stdout)
    assert Decimal_sum(figures["ineligible_receivables"].values()) == (
        Decimal(figures["gross_receivables"]) - Decimal(figures["eligible_receivables"])
    )
    assert figures["ineligible_receivables"]["contra"] != "0.00"


def Decimal_sum(values):
    return sum((Decimal(v) for v in values), Decimal(0))


from decimal import Decimal  # noqa: E402


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2003-02-30"], "not a date (YYYY-MM-DD): '2003-02-30'"),
        (
            ["--as-of", "2003-03-31", "--outstanding", "12.345"],
            "must be a non-negative amount in cents",
        ),
        (["--as-of", "2003-03-31", "--ap", "/nonexistent.csv"], "no such file: /nonexistent.csv"),
    ],
)
def test_bad_arguments_exit_non_zero_without_traceback(aging, args, message):
    result = _run("--terms", str(TERMS), "--ar", str(aging), *args)

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_file_lists_its_problems(tmp_path):
    bad = tmp_path / "aging.csv"
    bad.write_text(AGING.replace("CA,N,N", "Canada,N,N"))

    result = _run("--terms", str(TERMS), "--as-of", "2003-03-31", "--ar", str(bad))

    assert result.returncode == 1
    assert (
        "row 7, column 'country': not an ISO 3166 two-letter country code: 'Canada'"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_bad_terms_name_the_key(tmp_path, aging):
    terms = tmp_path / "terms.yaml"
    terms.write_text(TERMS.read_text().replace("sublimit: 20000000.00", "sublimit: -5"))

    result = _run("--terms", str(terms), "--as-of", "2003-03-31", "--ar", str(aging))

    assert result.returncode == 1
    assert "inventory.sublimit: must not be negative" in result.stderr
