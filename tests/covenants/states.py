"""Covenant objects in each state a page can show, for the production page walk.

Built on the page walk's world (tests/states.py) the first time a filler asks,
through the real services, on the "no-certificate" facility: a statement with
an open breach case restated once, a waived case, a projected breach, capex
requests pending and approved, and a compliance certificate. The "no-terms"
facility has none of them (its pages must still answer).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from covenants.models import BreachCase, CapexRequest, StatementVersion
from covenants.services import breaches, capex, statements
from covenants.services.certificates import render_compliance_certificate
from tests.covenants.conftest import figures
from tests.states import World


@dataclass(frozen=True)
class CovenantWorld:
    versions: list[int]
    cases: list[int]
    capex_requests: list[int]


_BUILT: dict[int, CovenantWorld] = {}


def covenant_world(world: World) -> CovenantWorld:
    if id(world) not in _BUILT:
        _BUILT[id(world)] = _build(world)
    return _BUILT[id(world)]


def _build(world: World) -> CovenantWorld:
    facility = world.facilities["no-certificate"]
    borrower, analyst = world.users["borrower"], world.users["analyst"]
    assert borrower is not None
    assert analyst is not None
    with override_settings(ABL_BUSINESS_DATE="2003-07-20"):

        def submit(period_end, kind="actual", reason="", **changes):
            return statements.submit_statement(
                facility=facility,
                kind=kind,
                period_end=period_end,
                financials=figures(**changes),
                user=borrower,
                officer_title="CFO",
                reason=reason,
            )

        first = submit(dt.date(2003, 3, 31), total_equity="34500000.00")
        restated = submit(dt.date(2003, 3, 31), reason="Restated", total_equity="34600000.00")
        june = submit(dt.date(2003, 6, 30), ebitda="4000000.00")
        projection = submit(dt.date(2003, 9, 30), kind="projection", total_equity="35000000.00")
        render_compliance_certificate(version_id=first.pk)
        waived = BreachCase.objects.get(statement=june.statement)
        breaches.waive_breach(
            case=waived,
            reason="Waived",
            document=SimpleUploadedFile("waiver.pdf", b"%PDF waiver"),
            user=analyst,
        )
        pending = capex.request_capex_approval(
            facility=facility, year=2003, amount=figures().capex_ytd, reason="Racks", user=borrower
        )
        decided = capex.request_capex_approval(
            facility=facility, year=2003, amount=figures().capex_ytd, reason="Dock", user=borrower
        )
        capex.decide_capex_request(request=decided, approve=True, comment="", user=analyst)
    versions = [first, restated, june, projection]
    assert StatementVersion.objects.filter(pk__in=[v.pk for v in versions]).count() == 4
    return CovenantWorld(
        versions=[v.pk for v in versions],
        cases=list(BreachCase.objects.filter(facility=facility).values_list("pk", flat=True)),
        capex_requests=[r.pk for r in CapexRequest.objects.filter(pk__in=[pending.pk, decided.pk])],
    )
