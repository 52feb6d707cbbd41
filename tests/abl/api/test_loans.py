"""Advances, repayments and the ledger over the API (§16 b): the loan pages' services,
their refusals word for word, and Idempotency-Key on every POST that moves money."""

import pytest

from abl.models import AdvanceRequest, AuditEvent, IdempotencyKey, LedgerEntry
from abl.services import loans
from tests.abl.api.conftest import api_client

pytestmark = pytest.mark.django_db


def _ask(client, facility, key="k-1", **body):
    return client.post(
        f"/api/v1/facilities/{facility.pk}/advances/",
        {"amount": "100000.00", "value_date": "2003-04-07", **body},
        content_type="application/json",
        headers={"Idempotency-Key": key} if key else {},
    )


def _decide(client, advance, key="d-1", **body):
    return client.post(
        f"/api/v1/advances/{advance.pk}/decision/",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


@pytest.fixture
def requested(approved, innotrac, cfo):
    return loans.request_advance(
        facility=innotrac, actor=cfo, amount=100_000, value_date=None, key="page-1"
    )


def test_borrower_requests_an_advance(approved, innotrac, cfo):
    response = _ask(api_client(cfo), innotrac, purpose="payroll")

    advance = AdvanceRequest.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": advance.pk,
        "facility": innotrac.pk,
        "amount": "100000.00",
        "value_date": "2003-04-07",
        "purpose": "payroll",
        "status": "requested",
        "requested_by": "dgamsey",
        "requested_on": "2003-04-07",
        "first_approved_by": None,
        "awaits_second_approval": False,
        "decided_by": None,
        "decided_on": None,
        "comment": "",
        "withdrawn_on": None,
        "excess_before": None,
    }
    assert AuditEvent.objects.filter(action="advance.requested").count() == 1


def test_the_same_key_and_request_is_replayed_and_done_once(approved, innotrac, cfo):
    client = api_client(cfo)

    first = _ask(client, innotrac)
    again = _ask(client, innotrac)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert AdvanceRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="advance.requested").count() == 1


def test_the_same_key_with_another_body_answers_409(approved, innotrac, cfo):
    client = api_client(cfo)
    _ask(client, innotrac)

    response = _ask(client, innotrac, amount="200000.00")

    assert response.status_code == 409
    assert response.json() == {
        "type": "https://abl-desk.invalid/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "The Idempotency-Key 'k-1' was used for another request: "
        "use a new key for a new request.",
        "errors": [
            {
                "field": "Idempotency-Key",
                "message": "The Idempotency-Key 'k-1' was used for another request: "
                "use a new key for a new request.",
            }
        ],
    }
    assert AdvanceRequest.objects.count() == 1


def test_a_post_that_moves_money_without_a_key_answers_400(approved, innotrac, cfo):
    response = _ask(api_client(cfo), innotrac, key=None)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "Idempotency-Key", "message": "This request needs an Idempotency-Key header."}
    ]
    assert not AdvanceRequest.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"amount": "1e5"}, "amount", "not an amount: '1e5'"),
        ({"amount": 12.5}, "amount", 'An amount is a decimal string such as "1250.00".'),
        (
            {"value_date": "2003-04-06"},
            "value_date",
            "The value date 2003-04-06 is before today's business date 2003-04-07.",
        ),
        ({"value_date": "nonsense"}, "value_date", None),
    ],
)
def test_a_bad_request_names_the_field_with_the_pages_words(
    approved, innotrac, cfo, body, field, message
):
    response = _ask(api_client(cfo), innotrac, **body)

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == field
    if message is not None:
        assert error["message"] == message
        assert response.json()["detail"] in {message, f"{field}: {message}"}
    assert not AdvanceRequest.objects.exists()
    assert not IdempotencyKey.objects.exists()  # a refusal keeps no key: it may be tried again


def test_a_bank_user_cannot_ask_for_an_advance(approved, innotrac, rm):
    response = _ask(api_client(rm), innotrac)

    assert response.status_code == 400
    assert response.json()["detail"] == f"Only a user of {innotrac.borrower} asks for its advances."


def test_analyst_approves_and_the_ledger_shows_it(requested, innotrac, abl_analyst):
    client = api_client(abl_analyst)

    response = _decide(client, requested, decision="approve")
    ledger = client.get(f"/api/v1/facilities/{innotrac.pk}/ledger/").json()

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["decided_by"] == "analyst"
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in ledger["results"]] == [
        ("advance", "100000.00", "100000.00")
    ]


def test_approving_twice_with_one_key_books_once(requested, abl_analyst):
    client = api_client(abl_analyst)

    first = _decide(client, requested, decision="approve")
    again = _decide(client, requested, decision="approve")

    assert again.json() == first.json()
    assert LedgerEntry.objects.count() == 1


def test_decline_needs_a_comment(requested, abl_analyst):
    response = _decide(api_client(abl_analyst), requested, decision="decline")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "comment", "message": "Say why: a comment is required to decline."}
    ]


@pytest.mark.parametrize("role", ["cfo", "rm", "administrator"])
def test_only_an_analyst_decides(request, requested, role):
    response = _decide(api_client(request.getfixturevalue(role)), requested, decision="approve")

    assert response.status_code == 400
    assert response.json()["detail"] == "Only an ABL analyst can approve or decline an advance."
    assert AdvanceRequest.objects.get().status == "requested"


def test_borrower_withdraws_a_request(requested, cfo):
    response = api_client(cfo).post(f"/api/v1/advances/{requested.pk}/withdraw/")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_another_borrowers_advance_answers_404(requested, other_cfo):
    client = api_client(other_cfo)

    assert client.get(f"/api/v1/advances/{requested.pk}/").status_code == 404
    assert client.post(f"/api/v1/advances/{requested.pk}/withdraw/").status_code == 404
    assert AdvanceRequest.objects.get().status == "requested"


def test_advances_are_listed_for_the_facility(requested, innotrac, rm):
    response = api_client(rm).get(f"/api/v1/facilities/{innotrac.pk}/advances/")

    assert [a["id"] for a in response.json()["results"]] == [requested.pk]


def _repay(client, facility, key="r-1", **body):
    return client.post(
        f"/api/v1/facilities/{facility.pk}/repayments/",
        {"amount": "40000.00", "value_date": "2003-04-07", **body},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_analyst_records_a_repayment_once(requested, innotrac, abl_analyst):
    client = api_client(abl_analyst)
    _decide(client, requested, decision="approve")

    first = _repay(client, innotrac, description="wire 123")
    again = _repay(client, innotrac, description="wire 123")
    listed = client.get(f"/api/v1/facilities/{innotrac.pk}/repayments/").json()

    assert first.status_code == 201
    assert again.json() == first.json()
    assert first.json()["amount"] == "-40000.00"
    assert first.json()["balance_after"] == "60000.00"
    assert [e["description"] for e in listed["results"]] == ["wire 123"]


def test_a_borrower_does_not_record_repayments(approved, innotrac, cfo):
    response = _repay(api_client(cfo), innotrac)

    assert response.status_code == 400
    assert response.json()["detail"] == "Only an ABL analyst records repayments and collections."


def test_ledger_pages_by_cursor(requested, innotrac, abl_analyst):
    client = api_client(abl_analyst)
    _decide(client, requested, decision="approve")
    for n in range(3):
        _repay(client, innotrac, key=f"r-{n}", amount="1000.00")

    first = client.get(f"/api/v1/facilities/{innotrac.pk}/ledger/?page_size=3").json()
    rest = client.get(first["next"]).json()

    assert [e["seq"] for e in first["results"]] == [4, 3, 2]
    assert [e["seq"] for e in rest["results"]] == [1]
    assert rest["next"] is None


@pytest.mark.parametrize("field", ["purpose", "value_date"])
def test_a_nul_character_is_refused_not_a_server_error(approved, innotrac, cfo, field):
    response = _ask(api_client(cfo), innotrac, **{field: "pay\x00roll"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
