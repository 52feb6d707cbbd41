"""load_terms refuses a bad terms file in words, naming the key, and changes nothing (issue 22,
finding 9): a key written twice, a version naming another borrower, text too long for its
column or holding a NUL, a number too large to round; never a traceback."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abl.calc.terms.parsing import FACILITY_ID_LENGTH, NAME_LENGTH
from abl.models import AuditEvent, Facility, Organisation, TermsVersion
from tests.abl.conftest import TERMS

pytestmark = pytest.mark.django_db

BAD_FILES = {
    "a key written twice": (
        ("  advance_rate: 0.85 ", "  advance_rate: 0.85\n  advance_rate: 0.99 "),
        "receivables.advance_rate: written twice (lines 17 and 18)",
    ),
    "another borrower": (
        ("borrower: Innotrac Corporation", "borrower: Other Corp"),
        "facility.borrower: 'Other Corp' is not the borrower of facility innotrac-2003 "
        "('Innotrac Corporation'); a facility's borrower does not change with its terms",
    ),
    "another lender": (
        ("lender: SouthTrust Bank, N.A.", "lender: Other Bank"),
        "facility.lender: 'Other Bank' is not the lender of facility innotrac-2003 "
        "('SouthTrust Bank, N.A.'); a facility's lender does not change with its terms",
    ),
    "the borrower as lender": (
        ("lender: SouthTrust Bank, N.A.", "lender: Innotrac Corporation"),
        "facility.lender: 'Innotrac Corporation' is a borrower, not a lender",
    ),
    "a long borrower": (
        ("borrower: Innotrac Corporation", "borrower: " + "B" * 201),
        "facility.borrower: longer than 200 characters",
    ),
    "a long lender": (
        ("lender: SouthTrust Bank, N.A.", "lender: " + "L" * 201),
        "facility.lender: longer than 200 characters",
    ),
    "a NUL in a name": (
        ("lender: SouthTrust Bank, N.A.", 'lender: "South\\0Trust"'),
        "facility.lender: has a control character (line 10)",
    ),
    "an exponent no amount has": (
        ("commitment: 40000000.00", "commitment: 1.0e999999999"),
        "facility.commitment: 1.0E+999999999 is too large",
    ),
    "days past the calendar": (
        ("age_limit_days: 90", "age_limit_days: 99999999999999999999"),
        "receivables.age_limit_days: must be at most 100,000",
    ),
    "a maturity past the calendar": (
        ("maturity_date: 2005-06-30", "maturity_date: 9999-12-31"),
        "facility.maturity_date: 9999-12-31 is after 2999-12-31, the last date ABL Desk handles",
    ),
}


def _state() -> tuple[int, int, int, int]:
    return (
        Facility.objects.count(),
        Organisation.objects.count(),
        TermsVersion.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_terms_file_is_refused_in_words_and_changes_nothing(case, tmp_path):
    call_command("load_terms", str(TERMS), stdout=StringIO())
    (old, new), message = BAD_FILES[case]
    bad = tmp_path / "terms.yaml"
    bad.write_text(TERMS.read_text().replace(old, new, 1))
    before = _state()

    with pytest.raises(CommandError) as refused:
        call_command("load_terms", str(bad))

    assert str(refused.value) == f"{bad}: the terms are not valid:\n{message}"
    assert _state() == before


def test_a_new_facility_with_a_long_id_is_refused_and_nothing_is_made(tmp_path):
    bad = tmp_path / "terms.yaml"
    bad.write_text(TERMS.read_text().replace("id: innotrac-2003", "id: " + "x" * 81))

    with pytest.raises(CommandError) as refused:
        call_command("load_terms", str(bad))

    assert str(refused.value) == (
        f"{bad}: the terms are not valid:\nfacility.id: longer than 80 characters"
    )
    assert _state() == (0, 0, 0, 0)


def test_the_terms_limits_are_the_columns_that_store_them():
    assert Facility._meta.get_field("slug").max_length == FACILITY_ID_LENGTH
    assert Organisation._meta.get_field("name").max_length == NAME_LENGTH
