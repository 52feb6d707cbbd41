"""The one cache of parsed terms (abl/services/terms.py `parsed_terms`): a terms version is
parsed once for every reader (live availability, the advance request, the reporting
cadence, the fee ledger, the terms in force), and only the most recently used versions
are kept."""

from collections import OrderedDict
from decimal import Decimal

import pytest

from abl.calc.terms import parse_terms
from abl.models import TermsVersion
from abl.services import fees, loans
from abl.services import terms as terms_service
from reporting.services import cadence
from tests.abl.loans.conftest import TODAY

READERS = {
    "live availability": lambda facility, cfo: loans.live_availability(facility),
    "an advance request": lambda facility, cfo: loans.request_advance(
        facility=facility, actor=cfo, amount=Decimal("100.00"), key="k1"
    ),
    "the nightly reading": lambda facility, cfo: cadence.read_all(on=TODAY),
    "the fee statement": lambda facility, cfo: fees.pricing_placeholder(facility),
    "the terms in force": lambda facility, cfo: terms_service.current_facility_terms(facility),
}


@pytest.fixture
def nothing_parsed(monkeypatch):
    """The process's cache as a new process starts it: empty."""
    monkeypatch.setattr(terms_service, "_parsed", OrderedDict())


def _key(version: TermsVersion) -> tuple[int, object]:
    return (version.pk, version.created_at)


def _another_version(facility, number: int) -> TermsVersion:
    newest = facility.current_terms()
    return TermsVersion.objects.create(
        facility=facility,
        version=number,
        effective_date=newest.effective_date,
        data=newest.data,
        reason=f"version {number}",
    )


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
def test_a_terms_version_one_reader_parsed_is_read_by_every_other_without_a_query(
    innotrac, cfo, approved, nothing_parsed, reader, django_assert_num_queries
):
    version = innotrac.current_terms()

    reader(innotrac, cfo)
    with django_assert_num_queries(0):
        parsed = terms_service.parsed_terms([_key(version)])

    assert parsed == {version.pk: parse_terms(version.data)}


def test_every_reader_of_a_version_gets_the_same_parsed_terms(
    innotrac, nothing_parsed, django_assert_num_queries
):
    version = innotrac.current_terms()

    first = terms_service.facility_terms(innotrac)
    with django_assert_num_queries(1):
        newest = terms_service.newest_terms([innotrac])

    assert newest[innotrac.pk] is first
    assert terms_service.current_facility_terms(innotrac) is first
    assert first == parse_terms(version.data)


def test_only_the_most_recently_used_versions_are_kept(
    innotrac, nothing_parsed, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(terms_service, "PARSED_TERMS_KEPT", 2)
    first = innotrac.current_terms()
    second, third = _another_version(innotrac, 2), _another_version(innotrac, 3)

    terms_service.parsed_terms([_key(first)])
    terms_service.parsed_terms([_key(second)])
    terms_service.parsed_terms([_key(first)])  # used again: the second is now the oldest
    terms_service.parsed_terms([_key(third)])

    assert list(terms_service._parsed) == [_key(first), _key(third)]
    with django_assert_num_queries(0):
        terms_service.parsed_terms([_key(first), _key(third)])
    with django_assert_num_queries(1):
        again = terms_service.parsed_terms([_key(second)])
    assert again == {second.pk: parse_terms(second.data)}
    assert len(terms_service._parsed) == 2


def test_many_versions_asked_at_once_are_all_answered_beyond_the_bound(
    innotrac, nothing_parsed, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(terms_service, "PARSED_TERMS_KEPT", 1)
    versions = [innotrac.current_terms(), _another_version(innotrac, 2)]

    with django_assert_num_queries(1):
        parsed = terms_service.parsed_terms(_key(v) for v in versions)

    assert parsed == {v.pk: parse_terms(v.data) for v in versions}
    assert len(terms_service._parsed) == 1


def test_an_id_used_again_by_another_version_is_parsed_again(innotrac, nothing_parsed):
    version = innotrac.current_terms()
    stale = (version.pk, version.created_at.replace(year=2001))
    kept_for_the_other = parse_terms(version.data)
    terms_service._keep(stale, kept_for_the_other)

    parsed = terms_service.parsed_terms([_key(version)])

    assert parsed == {version.pk: parse_terms(version.data)}
    assert parsed[version.pk] is not kept_for_the_other
