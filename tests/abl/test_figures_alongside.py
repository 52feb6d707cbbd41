"""Figures computed in a thread while the rows are stored (the command line does this).

They are taken only when they were computed from what the certificate is
computed from: the same frames, terms version and outstanding. Otherwise the
certificate is computed again, as if they had never been started.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abl.calc.terms import Reserve, with_reserves
from abl.models import CollateralFile
from abl.services import certificates, collateral
from abl.services.terms import create_terms_version
from tests.abl.conftest import AGING

pytestmark = pytest.mark.django_db
Kind = CollateralFile.Kind


@pytest.fixture
def draft(innotrac, cfo):
    return collateral.open_draft(facility=innotrac, as_of=dt.date(2003, 3, 31), actor=cfo)


@pytest.fixture
def frames(aging_csv):
    return {Kind.RECEIVABLES: collateral.read_collateral(Kind.RECEIVABLES, aging_csv)}


def _store(draft, cfo, frames) -> None:
    received = collateral.receive_file(
        certificate=draft,
        kind=Kind.RECEIVABLES,
        upload=SimpleUploadedFile("aging.csv", AGING.encode()),
        actor=cfo,
        queue=False,
    )
    collateral.process_collateral_file(file_id=received.pk, frame=frames[Kind.RECEIVABLES])


def _compute(draft, cfo, frames, ahead):
    return certificates.compute_certificate(
        certificate=draft, actor=cfo, reason="test", frames=frames, ahead=ahead
    )


def _no_second_computation(monkeypatch, ahead) -> None:
    ahead.result.result()  # the thread's own computation is done

    def refuse(**kwargs):
        raise AssertionError("computed again although the figures were computed alongside")

    monkeypatch.setattr(certificates, "compute_from_frames", refuse)


def test_figures_computed_alongside_are_the_certificates(draft, cfo, frames, monkeypatch):
    with certificates.figures_computed_alongside(certificate=draft, frames=frames) as ahead:
        _store(draft, cfo, frames)
        _no_second_computation(monkeypatch, ahead)
        computation = _compute(draft, cfo, frames, ahead)

    assert computation.figures["eligible_receivables"] == "642500.00"
    assert computation.figures["receivables_availability"] == "546125.00"


def test_figures_from_terms_since_replaced_are_not_taken(draft, cfo, frames):
    with certificates.figures_computed_alongside(certificate=draft, frames=frames) as ahead:
        _store(draft, cfo, frames)
        # New terms loaded meanwhile (as load_terms does; it recomputes nothing).
        create_terms_version(
            facility=draft.facility,
            terms=with_reserves(
                certificates.current_facility_terms(draft.facility),
                [Reserve(name="Rent reserve", amount=Decimal("46125.00"), reason="No waiver")],
            ),
            actor=None,
            reason="Terms reloaded",
            effective_date=dt.date(2003, 3, 31),
        )
        computation = _compute(draft, cfo, frames, ahead)

    assert computation.terms_version == draft.facility.current_terms()
    assert computation.figures["reserves"] == "46125.00"
    assert computation.figures["borrowing_base"] == "500000.00"


def test_figures_for_another_outstanding_are_not_taken(draft, cfo, frames):
    with certificates.figures_computed_alongside(certificate=draft, frames=frames) as ahead:
        _store(draft, cfo, frames)
        collateral.set_outstanding(certificate=draft, outstanding=Decimal("100000.00"), actor=cfo)
        computation = _compute(draft, cfo, frames, ahead)

    assert computation.figures["outstanding"] == "100000.00"
    assert computation.figures["excess_availability"] == "446125.00"


def test_figures_of_other_frames_are_not_taken(draft, cfo, frames, aging_csv, monkeypatch):
    other = {Kind.RECEIVABLES: collateral.read_collateral(Kind.RECEIVABLES, aging_csv)}
    with certificates.figures_computed_alongside(certificate=draft, frames=other) as ahead:
        _store(draft, cfo, frames)
        ahead.result.result()  # the thread's own computation is done
        computed_again = []
        real = certificates.compute_from_frames
        monkeypatch.setattr(
            certificates,
            "compute_from_frames",
            lambda **kw: computed_again.append(True) or real(**kw),
        )
        computation = _compute(draft, cfo, frames, ahead)

    assert computed_again == [True]
    assert computation.figures["eligible_receivables"] == "642500.00"


def test_nothing_is_computed_alongside_without_receivables(draft):
    with certificates.figures_computed_alongside(certificate=draft, frames={}) as ahead:
        assert ahead is None
