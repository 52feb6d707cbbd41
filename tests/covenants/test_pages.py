"""The covenant pages: what each side sees and does, and the covenant page's query budget."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from covenants.models import BreachCase, CapexRequest, FinancialStatement, StatementVersion
from reporting.services import close
from tests.covenants.conftest import HEALTHY
from tests.factories import OrganisationFactory, UserFactory
from tests.reporting.conftest import approve_certificate

pytestmark = pytest.mark.django_db


def _form(**changes):
    data = {k: v for k, v in HEALTHY.items() if k != "approved_additional_capex"}
    return {
        **data,
        "kind": "actual",
        "period_end": "2003-03-31",
        "officer_title": "CFO",
        "certify": "on",
        **changes,
    }


def test_the_borrower_submits_a_statement_by_the_form_and_sees_the_results(
    client, innotrac, cfo, django_capture_on_commit_callbacks
):
    client.force_login(cfo)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/facilities/{innotrac.pk}/financials/submit/", _form())

    version = StatementVersion.objects.get()
    assert response.status_code == 302
    assert response.url == f"/statements/{version.pk}/"
    page = client.get(response.url).content.decode()
    assert "37,500,000.00" in page  # tangible net worth
    assert "Download the compliance certificate" in page
    pdf = client.get(f"/statements/{version.pk}/certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_negative_figure_is_named_on_its_field_and_nothing_saved(client, innotrac, cfo):
    client.force_login(cfo)

    response = client.post(f"/facilities/{innotrac.pk}/financials/submit/", _form(goodwill="-5.00"))

    assert response.status_code == 400
    assert response.context["form"].errors["goodwill"] == ["must not be negative"]
    assert StatementVersion.objects.count() == 0


def test_a_refused_file_lists_its_problems_and_saves_nothing(client, innotrac, cfo):
    client.force_login(cfo)
    upload = SimpleUploadedFile("p.csv", b"period_end,total_equity\n2003-06-30,x\n")

    response = client.post(
        f"/facilities/{innotrac.pk}/financials/upload/",
        {"kind": "projection", "file": upload, "officer_title": "CFO", "certify": "on"},
    )

    assert response.status_code == 400
    errors = response.context["file_form"].non_field_errors()
    assert "row 1: missing column 'goodwill'" in errors
    assert FinancialStatement.objects.count() == 0


def test_the_reporting_page_owes_nothing_before_the_first_approved_certificate(
    client, innotrac, cfo
):
    client.force_login(cfo)

    response = client.get(f"/facilities/{innotrac.pk}/financials/")

    assert response.context["due"] == []  # as "What is due": the calendar has not started
    assert "Nothing is due yet" in response.content.decode()


def test_the_reporting_page_shows_what_the_calendar_owes_and_what_is_overdue(
    client, innotrac, cfo, abl_analyst, submit, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_certificate(innotrac, cfo, abl_analyst)  # 2003-04-20: the calendar starts
    submit()  # March's statements
    settings.ABL_BUSINESS_DATE = "2003-06-03"
    with django_capture_on_commit_callbacks(execute=True):
        close.close_business_day()
    client.force_login(cfo)

    response = client.get(f"/facilities/{innotrac.pk}/financials/")

    assert [(r.period_end, r.due_on, r.state) for r in response.context["due"]] == [
        (dt.date(2003, 5, 31), dt.date(2003, 6, 30), "due"),
        (dt.date(2003, 4, 30), dt.date(2003, 5, 30), "overdue"),
        (dt.date(2003, 3, 31), dt.date(2003, 4, 30), "submitted"),
    ]


def test_another_borrower_sees_nothing(client, innotrac, submit):
    version = submit()
    other = UserFactory(role="borrower", organisation=OrganisationFactory(kind="borrower"))
    client.force_login(other)

    for url in (
        f"/facilities/{innotrac.pk}/financials/",
        f"/facilities/{innotrac.pk}/covenants/",
        f"/statements/{version.pk}/",
        f"/statements/{version.pk}/certificate.pdf",
    ):
        assert client.get(url).status_code == 404


def test_the_analyst_resolves_a_breach_from_the_queue(client, innotrac, abl_analyst, submit):
    submit(total_equity="34500000.00")
    case = BreachCase.objects.get()
    client.force_login(abl_analyst)

    queue = client.get("/covenants/breaches/").content.decode()
    response = client.post(
        f"/covenants/breaches/{case.pk}/waive/",
        {"reason": "Waived", "document": SimpleUploadedFile("w.pdf", b"%PDF waiver")},
    )

    assert "Minimum tangible net worth" in queue
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "waived"


def test_the_analyst_decides_a_capex_request_from_the_queue(client, innotrac, cfo, abl_analyst):
    client.force_login(cfo)
    client.post(
        f"/facilities/{innotrac.pk}/capex-requests/new/",
        {"year": "2003", "amount": "250000.00", "reason": "Racking"},
    )
    request = CapexRequest.objects.get()
    client.force_login(abl_analyst)

    client.post(f"/covenants/capex-requests/{request.pk}/decide/", {"decision": "approve"})

    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", abl_analyst)


def test_a_projected_breach_shows_on_the_covenant_page_and_the_analysts_home(
    client, innotrac, abl_analyst, submit
):
    submit(period_end=dt.date(2003, 9, 30), kind="projection", total_equity="35000000.00")
    client.force_login(abl_analyst)

    page = client.get(f"/facilities/{innotrac.pk}/covenants/")
    home = client.get("/")

    [projected] = page.context["projected"]
    assert projected.statement.period_end == dt.date(2003, 9, 30)
    assert [r.covenant for r in projected.failed] == ["tangible_net_worth"]  # 32.5M < 33.0M
    assert "2003-09-30" in home.content.decode()
    assert [t.statement.period_end for t in home.context["projected_breaches"]] == [
        dt.date(2003, 9, 30)
    ]


def test_the_covenant_page_reads_five_years_of_quarters_in_five_queries(
    client,
    innotrac,
    cfo,
    settings,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    from covenants.services import statements
    from tests.covenants.conftest import figures

    settings.ABL_BUSINESS_DATE = "2008-01-15"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    quarter_ends = [
        dt.date(year, month, 30 if month in (6, 9) else 31)
        for year in range(2003, 2008)
        for month in (3, 6, 9, 12)
    ]
    with django_capture_on_commit_callbacks(execute=False):
        statements.submit_statements(
            facility=innotrac,
            kind="actual",
            rows=[(end, figures(total_equity="45000000.00")) for end in quarter_ends],
            user=cfo,
            officer_title="CFO",
        )
    client.force_login(cfo)
    client.get("/")  # the session's first request refreshes it (config/middleware.py)

    # The session, the user and the header's organisation; the facility, the statements.
    with django_assert_max_num_queries(5):
        response = client.get(f"/facilities/{innotrac.pk}/covenants/")

    assert response.status_code == 200
    assert len(response.context["history"]) == 20
    assert len(response.context["chart"]["labels"]) == 20
    assert len(response.context["schedule"]) == 8


def test_the_list_pages_do_not_grow_with_their_rows(
    client, innotrac, cfo, abl_analyst, settings, django_assert_max_num_queries
):
    from decimal import Decimal

    from covenants.services import capex, statements
    from tests.covenants.conftest import figures

    settings.ABL_BUSINESS_DATE = "2005-01-15"
    month_ends = [
        dt.date(year, month, 1) - dt.timedelta(days=1)
        for year in (2003, 2004)
        for month in range(2, 13)
    ]
    statements.submit_statements(
        facility=innotrac,
        kind="actual",
        rows=[(end, figures(total_equity="30000000.00")) for end in month_ends],
        user=cfo,
        officer_title="CFO",
    )
    for n in range(10):
        capex.request_capex_approval(
            facility=innotrac, year=2004, amount=Decimal(n + 1), reason="x", user=cfo
        )
    assert BreachCase.objects.count() == 20  # TNW failed at each of the 20 months from 2003-03

    client.force_login(cfo)
    client.get("/")
    with django_assert_max_num_queries(12):
        assert client.get(f"/facilities/{innotrac.pk}/financials/").status_code == 200
    client.force_login(abl_analyst)
    client.get("/")
    with django_assert_max_num_queries(6):
        assert client.get("/covenants/breaches/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/covenants/capex-requests/").status_code == 200
