"""Terms as a file: read exactly, validated with messages that name the key path."""

from decimal import Decimal

import pytest

from abl.calc.terms import TermsError, load_terms_yaml, parse_terms, terms_to_data, with_consent
from tests.abl.calc.builders import TERMS_FILE

TEXT = TERMS_FILE.read_text()


def _problems(text: str) -> list[str]:
    with pytest.raises(TermsError) as caught:
        load_terms_yaml(text)
    return caught.value.problems


def test_innotrac_terms_carry_the_letter():
    terms = load_terms_yaml(TEXT)

    assert terms.facility.commitment == Decimal("40000000.00")
    assert terms.receivables.advance_rate == Decimal("0.85")
    assert terms.inventory.advance_rate == Decimal("0.50")
    assert terms.inventory.sublimit == Decimal("20000000.00")
    assert terms.inventory.programs["BELLSOUTH"].advance_rate == Decimal("0.65")
    assert terms.inventory.programs["BELLSOUTH"].consent_received is False
    assert terms.reporting.threshold_pct == Decimal("0.15")
    assert terms.reporting.financials_due_days == 30
    assert terms.fees.monthly_monitoring == Decimal("1555.00")
    assert terms.covenants.tangible_net_worth.deferred_tax_asset_is_intangible is False
    assert terms.pricing.given_by_letter is False


def test_numbers_are_exact_decimals_never_floats():
    terms = load_terms_yaml(TEXT.replace("cross_age_pct: 0.50", "cross_age_pct: 0.1"))

    assert terms.receivables.cross_age_pct == Decimal("0.1")
    assert type(terms.receivables.cross_age_pct) is Decimal


def test_stored_data_reads_back_equal():
    terms = load_terms_yaml(TEXT)

    assert parse_terms(terms_to_data(terms)) == terms


def test_consent_changes_only_the_program():
    terms = load_terms_yaml(TEXT)

    consented = with_consent(terms, "BELLSOUTH", True)

    assert consented.inventory.programs["BELLSOUTH"].consent_received is True
    assert consented.receivables == terms.receivables


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("advance_rate: 0.85", "advance_rate: 1.85"),
            "receivables.advance_rate: 1.85 is above 1 (185.00%)",
        ),
        (("sublimit: 20000000.00", "sublimit: -1.00"), "inventory.sublimit: must not be negative"),
        (
            ("  age_limit_days: 90", "  age_limit_days: 90\n  grace_days: 5"),
            "receivables.grace_days: unknown key",
        ),
        (("  commitment: 40000000.00", ""), "facility.commitment: required"),
        (
            ("{date: 2003-06-30, minimum: 1.40}", "{date: 2003-01-30, minimum: 1.40}"),
            "covenants.fixed_charge_coverage.schedule: dates must be in increasing order",
        ),
        (
            ("basis: line_cap", "basis: availability"),
            "reporting.basis: must be one of line_cap, commitment",
        ),
        (
            ("eligible_countries: [US]", "eligible_countries: [USA]"),
            "receivables.eligible_countries: 'USA' is not an ISO alpha-2 code",
        ),
        (
            ("commitment: 40000000.00", "commitment: 40000000.001"),
            "facility.commitment: at most 2 decimal places",
        ),
    ],
)
def test_bad_terms_are_refused_naming_the_key_path(change, problem):
    assert problem in _problems(TEXT.replace(*change))


def test_every_problem_is_reported_not_only_the_first():
    text = TEXT.replace("advance_rate: 0.85", "advance_rate: 1.85").replace(
        "sublimit: 20000000.00", "sublimit: -1"
    )

    assert len(_problems(text)) == 2


def test_text_that_is_not_yaml_is_refused():
    assert _problems("facility: [unclosed")[0].startswith("the file is not valid YAML")


def test_stored_floats_are_refused():
    data = terms_to_data(load_terms_yaml(TEXT))
    data["receivables"]["advance_rate"] = 0.85

    with pytest.raises(
        TermsError, match=r"receivables\.advance_rate: 0\.85 is not an exact number"
    ):
        parse_terms(data)


def test_a_reserve_without_a_reason_survives_being_stored_and_read_back():
    from abl.calc.terms import Reserve, with_reserves

    terms = with_reserves(
        load_terms_yaml(TEXT), [Reserve("Rent reserve", Decimal("150000.00"), "")]
    )

    again = parse_terms(terms_to_data(terms))

    assert again.reserves == (Reserve("Rent reserve", Decimal("150000.00"), ""),)


@pytest.mark.parametrize(
    "covenant",
    [
        "tangible_net_worth",
        "fixed_charge_coverage",
        "debt_to_tangible_net_worth",
        "capital_expenditures",
    ],
)
def test_a_missing_covenant_is_one_problem_with_its_path(covenant):
    import yaml

    data = yaml.safe_load(TEXT)
    del data["covenants"][covenant]

    assert _problems(yaml.safe_dump(data)) == [f"covenants.{covenant}: required"]


@pytest.mark.parametrize("section", ["facility", "receivables"])
def test_a_missing_section_is_one_problem(section):
    import yaml

    data = yaml.safe_load(TEXT)
    del data[section]

    assert _problems(yaml.safe_dump(data)) == [f"{section}: required"]
