"""`manage.py borrowing_base`: the §10 contract, run as an analyst runs it."""

import json
import os
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
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "ABL_BUSINESS_DATE": "2003-04-07"},
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


@pytest.fixture
def unreadable(tmp_path) -> Path:
    """A .csv file that exists but cannot be opened for reading, even by root."""
    path = tmp_path / "unreadable.csv"
    if os.geteuid() != 0:
        path.write_text(AGING)
        path.chmod(0)
        return path
    write_only = Path("/sys/bus/pci/rescan")  # a kernel file nobody may read
    if not write_only.exists():
        pytest.skip("running as root and no write-only file to stand for an unreadable one")
    path.symlink_to(write_only)
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2003-02-30"], "--as-of: not a date (YYYY-MM-DD or MM/DD/YYYY): '2003-02-30'"),
        (
            ["--as-of", "2030-01-31"],
            "--as-of: The as-of date 2030-01-31 is after today's business date 2003-04-07.",
        ),
        (["--outstanding", "Infinity"], "--outstanding: not an amount: 'Infinity'"),
        (["--outstanding", "NaN"], "--outstanding: not an amount: 'NaN'"),
        (["--outstanding", "-5"], "--outstanding: must not be negative: '-5'"),
        (["--outstanding", "1e3"], "--outstanding: not an amount: '1e3'"),
        (["--outstanding", "abc"], "--outstanding: not an amount: 'abc'"),
        (["--outstanding", "12.345"], "--outstanding: more than 2 decimal places: '12.345'"),
        (["--ap", "/nonexistent.csv"], "--ap: no such file: /nonexistent.csv"),
        (["--inventory", "/tmp"], "--inventory: /tmp is a directory, not a file"),
        (["--terms", "/tmp"], "--terms: cannot read /tmp: Is a directory"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(aging, args, message):
    defaults = {"--terms": str(TERMS), "--as-of": "2003-03-31", "--ar": str(aging)}
    given = dict(zip(args[::2], args[1::2], strict=True))

    result = _run(*[part for pair in ({**defaults, **given}).items() for part in pair])

    assert (result.returncode, result.stderr) == (1, f"CommandError: {message}\n")
    assert result.stdout == ""


def test_unreadable_file_exits_non_zero_with_one_line(unreadable):
    result = _run("--terms", str(TERMS), "--as-of", "2003-03-31", "--ar", str(unreadable))

    assert (result.returncode, result.stderr) == (
        1,
        f"CommandError: --ar: cannot read {unreadable}: Permission denied\n",
    )


def test_bad_file_lists_its_problems(tmp_path):
    bad = tmp_path / "aging.csv"
    bad.write_text(AGING.replace("CA,N,N", "Canada,N,N"))

    result = _run("--terms", str(TERMS), "--as-of", "2003-03-31", "--ar", str(bad))

    assert (result.returncode, result.stderr) == (
        1,
        f"CommandError: --ar: {bad} was refused: "
        "row 7, column 'country': not an ISO 3166 two-letter country code: 'Canada'\n",
    )


def test_bad_terms_name_the_key(tmp_path, aging):
    terms = tmp_path / "terms.yaml"
    terms.write_text(TERMS.read_text().replace("sublimit: 20000000.00", "sublimit: -5"))

    result = _run("--terms", str(terms), "--as-of", "2003-03-31", "--ar", str(aging))

    assert result.returncode == 1
    assert result.stderr.startswith(f"CommandError: --terms: {terms}: the terms are not valid: ")
    assert "inventory.sublimit: must not be negative" in result.stderr
    assert result.stderr.count("\n") == 1


def test_file_name_not_valid_utf8_exits_non_zero_with_one_line(tmp_path):
    folder = os.fsencode(tmp_path)
    path = folder + b"/aging\xff.csv"
    arguments = [sys.executable, "manage.py", "borrowing_base", "--terms", str(TERMS)]
    with open(path, "wb") as handle:
        handle.write(AGING.encode())

    result = subprocess.run(
        [*arguments, "--as-of", "2003-03-31", "--ar", path],
        cwd=ROOT,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "ABL_BUSINESS_DATE": "2003-04-07"},
        check=False,
    )

    assert (result.returncode, result.stderr.decode()) == (
        1,
        f"CommandError: --ar: the file name {tmp_path}/aging\\udcff.csv is not valid "
        "UTF-8 text; rename the file\n",
    )
    assert result.stdout == b""
