"""The OpenAPI schema, its docs page, and schemathesis over the live schema as each role.

Every operation, fed what the schema allows (and ids that exist as often as not), answers
no 5xx and what the schema says it answers. Runs on SQLite and on PostgreSQL.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from abl.services import loans
from tests.abl.api.conftest import token_for

pytestmark = pytest.mark.django_db

EXAMPLES = 8  # per operation and role: the whole run stays well under two minutes


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, kept from closing the test's connection after each request
    (as Django's own test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_schema_is_openapi_3_and_lists_every_operation(client):
    schema = client.get("/api/schema/?format=json").json()

    assert schema["openapi"].startswith("3.")
    assert "/api/v1/facilities/{pk}/status/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


def test_docs_page_is_served_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "https://" not in page
    assert script.status_code == 200


@pytest.mark.parametrize("role", ["cfo", "abl_analyst", "rm", "administrator"])
def test_every_operation_answers_within_its_schema(
    request, settings, wsgi_app, approved, innotrac, cfo, role
):
    settings.ABL_API_THROTTLE_RATE = "100000/minute"  # the run is many calls with one token
    user = request.getfixturevalue(role)
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=1000, value_date=None, key="schemathesis"
    )
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    real = {"facilities": innotrac.pk, "advances": advance.pk, "certificates": approved.pk}

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            pk = (case.path_parameters or {}).get("pk")
            if isinstance(pk, int) and pk % 2 == 0:
                case.path_parameters["pk"] = real.get(case.operation.path.split("/")[3], pk)
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        run()


def test_api_pages_answer_a_browser_session_401_not_a_page(client, cfo, innotrac):
    Client().get("/")  # nothing is shared with the session below
    client.force_login(cfo)

    response = client.get(f"/api/v1/facilities/{innotrac.pk}/")

    assert response.status_code == 401
    assert response["Cache-Control"] == "private, no-store"
