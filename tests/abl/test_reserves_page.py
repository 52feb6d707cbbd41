"""The analyst's reserves: one row per reserve, each with its own errors; figures follow by a task."""

from decimal import Decimal

import pytest

from abl.models import Certificate
from abl.services import certificates
from tests.abl.conftest import AGING, post_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(client, innotrac, cfo, django_capture_on_commit_callbacks):
    client.force_login(cfo)
    post_report(client, innotrac, django_capture_on_commit_callbacks, receivables=AGING)
    return certificates.submit_certificate(
        certificate=Certificate.objects.get(), actor=cfo, name="David Gamsey", title="CFO"
    )


def _rows(*rows: tuple[str, str, str], delete: tuple[int, ...] = ()) -> dict[str, str]:
    data = {
        "reserve-TOTAL_FORMS": str(len(rows)),
        "reserve-INITIAL_FORMS": "0",
        "reserve-MIN_NUM_FORMS": "0",
        "reserve-MAX_NUM_FORMS": "1000",
        "reason": "Field exam 2003-03",
    }
    for n, (name, amount, why) in enumerate(rows):
        data |= {
            f"reserve-{n}-name": name,
            f"reserve-{n}-amount": amount,
            f"reserve-{n}-reason": why,
        }
        if n in delete:
            data[f"reserve-{n}-DELETE"] = "on"
    return data


def test_each_reserve_is_a_row_of_the_new_terms(
    client, submitted, innotrac, abl_analyst, django_capture_on_commit_callbacks
):
    client.force_login(abl_analyst)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/certificates/{submitted.pk}/reserves/",
            _rows(("Rent reserve", "150000.00", "landlord"), ("Dilution", "25000.00", "")),
        )

    assert response.status_code == 302
    assert innotrac.current_terms().data["reserves"] == [
        {"name": "Rent reserve", "amount": "150000.00", "reason": "landlord"},
        {"name": "Dilution", "amount": "25000.00", "reason": ""},
    ]
    submitted.refresh_from_db()
    assert submitted.current.figures["reserves"] == "175000.00"


def test_a_bad_row_is_refused_on_its_own_field_and_nothing_changes(
    client, submitted, innotrac, abl_analyst
):
    client.force_login(abl_analyst)
    versions = innotrac.terms_versions.count()

    response = client.post(
        f"/certificates/{submitted.pk}/reserves/",
        _rows(("Rent reserve", "150000.00", ""), ("Dilution", "-5", "")),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error_1_id_reserve-1-amount"' in page
    assert "must not be negative: &#x27;-5&#x27;" in page
    assert innotrac.terms_versions.count() == versions


def test_the_same_reserve_twice_is_refused(client, submitted, innotrac, abl_analyst):
    client.force_login(abl_analyst)

    response = client.post(
        f"/certificates/{submitted.pk}/reserves/",
        _rows(("Rent reserve", "1.00", ""), ("rent reserve", "2.00", "")),
    )

    assert response.status_code == 400
    assert "Each reserve once: rent reserve appears twice." in response.content.decode()


def test_a_reserve_marked_for_removal_goes(
    client, submitted, innotrac, abl_analyst, django_capture_on_commit_callbacks
):
    client.force_login(abl_analyst)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/certificates/{submitted.pk}/reserves/",
            _rows(("Rent reserve", "150000.00", ""), ("Dilution", "25000.00", ""), delete=(0,)),
        )

    assert innotrac.current_terms().data["reserves"] == [
        {"name": "Dilution", "amount": "25000.00", "reason": ""}
    ]


def test_the_page_says_it_is_recomputing_until_the_task_has_run(
    client, submitted, abl_analyst, django_capture_on_commit_callbacks
):
    client.force_login(abl_analyst)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(f"/certificates/{submitted.pk}/reserves/", _rows(("Rent", "1.00", "")))

    while_queued = client.get(
        f"/certificates/{submitted.pk}/files/?was_pending=1", HTTP_HX_REQUEST="true"
    )
    for callback in queued:
        callback()
    once_done = client.get(
        f"/certificates/{submitted.pk}/files/?was_pending=1", HTTP_HX_REQUEST="true"
    )

    assert 'data-testid="recomputing"' in while_queued.content.decode()
    assert "HX-Refresh" not in while_queued
    assert 'data-testid="recomputing"' not in once_done.content.decode()
    assert once_done["HX-Refresh"] == "true"
    submitted.refresh_from_db()
    assert submitted.current.figures["reserves"] == str(Decimal("1.00"))
