"""`manage.py covenant_test`: the §10 contract, run as an analyst runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TERMS = ROOT / "examples" / "innotrac" / "terms.yaml"

QUARTER = {
    "total_equity": "35000000.00",
    "goodwill": "2000000.00",
    "other_intangibles": "500000.00",
    "deferred_tax_asset": "1500000.00",
    "total_liabilities": "30000000.00",
    "subordinated_debt": "2000000.00",
    "ebitda": "6248000.00",
    "unfinanced_capex": "0.00",
    "cash_taxes": "0.00",
    "distributions": "0.00",
    "interest_expense": "4000000.00",
    "scheduled_principal": "1000000.00",
    "capex_ytd": "3900000.00",
    "new_business_capex_ytd": "1200000.00",
    "approved_additional_capex": "0.00",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "covenant_test", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "ABL_BUSINESS_DATE": "2003-04-07"},
        check=False,
    )


@pytest.fixture
def figures(tmp_path):
    def write(data: object, text: str | None = None) -> Path:
        path = tmp_path / "financials.json"
        path.write_text(text if text is not None else json.dumps(data))
        return path

    return write


def test_prints_one_object_per_covenant_in_force(figures):
    result = _run(
        "--terms",
        str(TERMS),
        "--date",
        "2003-03-31",
        "--financials",
        str(figures(QUARTER)),
        "--json",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "covenant": "tangible_net_worth",
            "required": "32500000.00",
            "actual": "32500000.00",
            "passed": True,
            "headroom": "0.00",
            "headroom_pct": "0.0000",
        },
        {
            "covenant": "fixed_charge_coverage",
            "required": "1.2500",
            "actual": "1.2496",
            "passed": False,
            "headroom": "-0.0004",
            "headroom_pct": "-0.0003",  # of the requirement: −0.0004 ÷ 1.25
        },
        {
            "covenant": "debt_to_tangible_net_worth",
            "required": "1.5000",
            "actual": "0.8116",  # (30M − 2M) ÷ (32.5M + 2M) = 0.81159…
            "passed": True,
            "headroom": "0.6884",
            "headroom_pct": "0.4589",
        },
        {
            "covenant": "capital_expenditures",
            "required": "4000000.00",
            "actual": "3900000.00",
            "passed": True,
            "headroom": "100000.00",
            "headroom_pct": "0.0250",
        },
    ]


def test_after_2003_requires_the_quarterly_increase(figures):
    data = {**QUARTER, "total_equity": "36750000.00"}

    result = _run(
        "--terms", str(TERMS), "--date", "2004-03-31", "--financials", str(figures(data)), "--json"
    )

    [tnw, *_] = json.loads(result.stdout)
    assert tnw == {
        "covenant": "tangible_net_worth",
        "required": "34250000.00",
        "actual": "34250000.00",
        "passed": True,
        "headroom": "0.00",
        "headroom_pct": "0.0000",
    }


def test_unmeasurable_figures_are_null(figures):
    data = {**QUARTER, "interest_expense": "0.00", "scheduled_principal": "0.00"}
    data |= {"total_equity": "2500000.00", "subordinated_debt": "0.00"}

    result = _run(
        "--terms", str(TERMS), "--date", "2003-03-31", "--financials", str(figures(data)), "--json"
    )

    by_name = {r["covenant"]: r for r in json.loads(result.stdout)}
    assert by_name["fixed_charge_coverage"] == {
        "covenant": "fixed_charge_coverage",
        "required": "1.2500",
        "actual": None,
        "passed": True,
        "headroom": None,
        "headroom_pct": None,
    }
    assert by_name["debt_to_tangible_net_worth"]["actual"] is None
    assert by_name["debt_to_tangible_net_worth"]["passed"] is False


@pytest.mark.parametrize(
    ("data", "text", "message"),
    [
        ({k: v for k, v in QUARTER.items() if k != "ebitda"}, None, "ebitda: required"),
        ({**QUARTER, "ebitda": 6248000.5}, None, "ebitda: 6248000.5 is not an exact decimal"),
        ({**QUARTER, "goodwill": "two million"}, None, "goodwill: not an amount: 'two million'"),
        ({**QUARTER, "goodwill": "-1.00"}, None, "goodwill: must not be negative"),
        ({**QUARTER, "goodwill": "1E5"}, None, "goodwill: not an amount: '1E5'"),
        ({**QUARTER, "goodwill": "1_000"}, None, "goodwill: not an amount: '1_000'"),
        ({**QUARTER, "capex": "1.00"}, None, "capex: unknown field"),
        (
            {**QUARTER, "goodwill": "1.001"},
            None,
            "goodwill: more than 2 decimal places: '1.001'",
        ),
        (None, "[1, 2]", "the financials must be one JSON object of figures"),
        (None, "{", "is not valid JSON (line 1, column 2"),
    ],
)
def test_bad_financials_exit_non_zero_naming_the_field(figures, data, text, message):
    result = _run(
        "--terms",
        str(TERMS),
        "--date",
        "2003-03-31",
        "--financials",
        str(figures(data, text)),
        "--json",
    )

    assert result.returncode != 0
    assert message in result.stderr
    assert result.stderr.startswith("CommandError: --financials:")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_date_and_terms_name_the_argument(figures, tmp_path):
    bad_terms = tmp_path / "terms.yaml"
    bad_terms.write_text(TERMS.read_text().replace("minimum: 1.25}", "minimum: -1.25}"))
    path = str(figures(QUARTER))

    bad_date = _run("--terms", str(TERMS), "--date", "2003-02-30", "--financials", path)
    terms = _run("--terms", str(bad_terms), "--date", "2003-03-31", "--financials", path)
    missing = _run(
        "--terms", str(TERMS), "--date", "2003-03-31", "--financials", "/nonexistent.json"
    )

    assert bad_date.returncode != 0
    assert "--date: '2003-02-30' is not a date (YYYY-MM-DD)" in bad_date.stderr
    assert terms.returncode != 0
    assert (
        "covenants.fixed_charge_coverage.schedule[0].minimum: must not be negative" in terms.stderr
    )
    assert missing.returncode != 0
    assert "--financials: no such file: /nonexistent.json" in missing.stderr
