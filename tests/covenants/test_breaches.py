"""A failed covenant on actual figures opens a case; an analyst resolves it three ways."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from abl.models import AuditEvent, TermsVersion
from abl.services import loans
from covenants.models import BreachCase, CovenantTest
from covenants.services import breaches
from covenants.services.errors import CovenantRefused
from covenants.services.testing import results_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Tangible net worth 32,000,000 at 2003-03-31 against 32,500,000 required.
SHORT = {"total_equity": "34500000.00"}


@pytest.fixture
def case(submit, abl_analyst):
    submit(**SHORT)
    return BreachCase.objects.get()


def test_a_failed_covenant_opens_one_case_and_tells_both_sides(case, cfo, abl_analyst):
    assert (case.covenant, case.status) == ("tangible_net_worth", "open")
    assert (case.required, case.actual) == ("32,500,000.00", "32,000,000.00")
    opened = [m for m in mail.outbox if "covenant breach" in m.subject]
    assert [sorted(m.to) for m in opened] == [sorted([cfo.email, abl_analyst.email])]
    assert AuditEvent.objects.filter(action="covenants.breach_opened").count() == 1


def test_a_restatement_that_still_fails_opens_no_second_case(case, submit):
    submit(reason="Corrected goodwill", total_equity="34600000.00")

    assert BreachCase.objects.count() == 1


def test_a_projection_that_fails_opens_no_case(submit):
    submit(period_end=dt.date(2003, 6, 30), kind="projection", **SHORT)

    assert BreachCase.objects.count() == 0


def test_a_waiver_needs_a_reason_and_the_document(
    case, abl_analyst, django_capture_on_commit_callbacks
):
    document = SimpleUploadedFile("waiver.pdf", b"%PDF-1.4 signed waiver", "application/pdf")
    mail.outbox.clear()

    with pytest.raises(CovenantRefused, match="Attach the signed waiver"):
        breaches.waive_breach(case=case, reason="One quarter", document=None, user=abl_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        breaches.waive_breach(
            case=case, reason="Waived for Q1 2003", document=document, user=abl_analyst
        )

    case.refresh_from_db()
    assert (case.status, case.reason, case.resolved_by) == (
        "waived",
        "Waived for Q1 2003",
        abl_analyst,
    )
    assert bytes(case.document) == b"%PDF-1.4 signed waiver"
    assert case.document_name == "waiver.pdf"
    assert len(mail.outbox) == 1
    assert "resolved (waived)" in mail.outbox[0].subject


def test_only_an_analyst_resolves_and_only_once(case, cfo, abl_analyst):
    with pytest.raises(CovenantRefused, match="Only an ABL analyst"):
        breaches.declare_default(case=case, reason="No", user=cfo)
    breaches.declare_default(case=case, reason="Covenant default", user=abl_analyst)

    with pytest.raises(CovenantRefused, match="already resolved"):
        breaches.declare_default(case=case, reason="Again", user=abl_analyst)


def test_an_amendment_resets_the_requirement_as_a_new_terms_version(case, abl_analyst, innotrac):
    before = TermsVersion.objects.count()

    breaches.amend_covenant(
        case=case,
        requirement=Decimal("31500000.00"),
        effective_from=dt.date(2003, 3, 31),
        reason="Reset for the forecast",
        user=abl_analyst,
    )

    case.refresh_from_db()
    assert case.status == "amended"
    assert TermsVersion.objects.count() == before + 1
    assert case.amendment == innotrac.current_terms()
    schedule = case.amendment.data["covenants"]["tangible_net_worth"]["schedule"]
    assert schedule[0] == {"date": "2003-03-31", "minimum": "31500000.00"}
    retest = CovenantTest.objects.get(terms_version=case.amendment)
    tnw = next(r for r in results_of(retest) if r.covenant == "tangible_net_worth")
    assert (tnw.required, tnw.passed) == (Decimal("31500000.00"), True)
    assert case.statement.current.latest_test == retest


def test_an_amendment_that_still_fails_changes_nothing(case, abl_analyst):
    before = TermsVersion.objects.count()

    with pytest.raises(CovenantRefused, match="still fails"):
        breaches.amend_covenant(
            case=case,
            requirement=Decimal("32100000.00"),
            effective_from=dt.date(2003, 3, 31),
            reason="Too little",
            user=abl_analyst,
        )

    case.refresh_from_db()
    assert case.status == "open"
    assert TermsVersion.objects.count() == before


def test_an_event_of_default_puts_the_facility_in_default(case, abl_analyst, business_date):
    breaches.declare_default(case=case, reason="Not cured", user=abl_analyst)

    case.refresh_from_db()
    assert case.status == "default"
    assert loans.default_standing(case.facility_id, on=business_date).declared_on == business_date
    assert AuditEvent.objects.filter(action="facility.default_declared").count() == 1


def test_a_default_declared_on_a_breach_blocks_new_advances(case, cfo, abl_analyst, settings):
    from abl.services import loans
    from abl.services.errors import LoanRefused
    from tests.abl.loans.conftest import approve_certificate

    approve_certificate(case.facility, cfo, abl_analyst)
    advance = loans.request_advance(
        facility=case.facility, actor=cfo, amount=Decimal("1000.00"), key="k1"
    )
    breaches.declare_default(case=case, reason="Not cured", user=abl_analyst)

    with pytest.raises(LoanRefused, match="default"):
        loans.approve_advance(advance=advance, actor=abl_analyst)


def _waive(case, analyst):
    document = SimpleUploadedFile("waiver.pdf", b"%PDF-1.4 signed waiver", "application/pdf")
    breaches.waive_breach(case=case, reason="Waived for Q1", document=document, user=analyst)


def test_a_waiver_covers_the_figures_it_was_granted_on_and_no_worse(case, submit, abl_analyst):
    _waive(case, abl_analyst)

    submit(reason="Better, still short", total_equity="34600000.00")
    assert list(BreachCase.objects.values_list("status", flat=True)) == ["waived"]

    submit(reason="Worse", total_equity="34400000.00")
    newest, waived = BreachCase.objects.all()
    assert (waived.pk, waived.status) == (case.pk, "waived")
    assert (newest.status, newest.actual) == ("open", "31,900,000.00")
    assert AuditEvent.objects.filter(action="covenants.breach_opened").count() == 2


def test_a_waiver_granted_on_a_restatement_covers_that_restatement(case, submit, abl_analyst):
    submit(reason="Worse while open", total_equity="34400000.00")
    assert BreachCase.objects.count() == 1
    _waive(case, abl_analyst)

    submit(reason="Between the two", total_equity="34450000.00")

    assert list(BreachCase.objects.values_list("status", flat=True)) == ["waived"]


def test_an_amendment_covers_what_passes_it_and_a_worse_restatement_opens_a_case(
    case, submit, abl_analyst
):
    breaches.amend_covenant(
        case=case,
        requirement=Decimal("31950000.00"),
        effective_from=dt.date(2003, 3, 31),
        reason="Reset",
        user=abl_analyst,
    )

    submit(reason="Still above the reset", total_equity="34460000.00")
    assert BreachCase.objects.count() == 1
    submit(reason="Below the reset", total_equity="34400000.00")

    assert list(BreachCase.objects.values_list("status", flat=True)) == ["open", "amended"]


def test_an_amended_covenant_is_labelled_the_amendment_from_the_date_the_analyst_chose(
    case, abl_analyst, innotrac, client, business_date
):
    breaches.amend_covenant(
        case=case,
        requirement=Decimal("31500000.00"),
        effective_from=dt.date(2003, 3, 31),
        reason="Reset for the forecast",
        user=abl_analyst,
    )
    case.refresh_from_db()
    client.force_login(abl_analyst)

    page = client.get(reverse("facility_detail", args=[innotrac.pk]))

    assert case.amendment.effective_date == case.effective_from == dt.date(2003, 3, 31)
    tnw = next(
        r for s in page.context["sections"] for r in s.rows
        if r.path == "covenants.tangible_net_worth"
    )  # fmt: skip
    assert (tnw.from_letter, tnw.clause) == (False, "")
    assert tnw.amendment == (
        f"Amended by the bank (breach case {case.pk}, {business_date}): $31,500,000.00 from "
        "2003-03-31. Reset for the forecast"
    )
    html = page.content.decode()
    assert "$32,500,000 at 3/31/03" not in html
    assert f"version {case.amendment.version}, effective 2003-03-31" in html
    fcc = next(
        r for s in page.context["sections"] for r in s.rows
        if r.path == "covenants.fixed_charge_coverage"
    )  # fmt: skip
    assert (fcc.from_letter, fcc.amendment) == (True, "")


def test_the_relationship_manager_hears_of_a_breach_and_its_resolution(
    innotrac, submit, abl_analyst, django_capture_on_commit_callbacks
):
    rm = UserFactory(
        username="rm", role="relationship_manager", organisation=innotrac.lender,
        email="rm@bank.example",
    )  # fmt: skip
    innotrac.relationship_managers.add(rm)
    UserFactory(username="rm2", role="relationship_manager", organisation=innotrac.lender)

    submit(**SHORT)
    with django_capture_on_commit_callbacks(execute=True):
        breaches.declare_default(case=BreachCase.objects.get(), reason="No", user=abl_analyst)

    heard = [m.subject for m in mail.outbox if "rm@bank.example" in m.to]
    name = innotrac.name
    assert heard == [
        f"{name}: covenant breach, Minimum tangible net worth at 2003-03-31",
        f"Event of default: {name} from 2003-04-20",
        f"{name}: covenant breach at 2003-03-31 resolved (event of default)",
    ]
