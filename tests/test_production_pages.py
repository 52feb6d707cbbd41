"""The application run as production runs it: no page answers 5xx, for any role, in any state.

Production here means config/settings.py read with DEBUG=0 (in a subprocess,
so these tests follow whatever that file does): the manifest static storage
over a STATIC_ROOT filled first by `collectstatic` run exactly as the
Dockerfile runs it, WhiteNoise in the middleware, HTTPS required. Only the
database, STATIC_ROOT, MEDIA_ROOT and the host name are the test's own.

The walk: every URL pattern of config/urls.py (a new pattern fails
`test_every_url_pattern_has_a_filler` until it is given parameters here) × every
role × every state of tests/states.py. GET each; a page that only takes POST
(405 to GET) is also POSTed with an empty body, which must answer 4xx or a
redirect (an /api/ operation may also succeed: 2xx). A signed-in role also sends an API
token of its own, so every /api/ URL is walked as the API answers that role. The states
are built once for the module. Every answer to a signed-in
role must also say `Cache-Control: no-store`.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from abl.models import AdvanceRequest, CustomerLine, WebhookDelivery, WebhookEndpoint
from abl.services.api_tokens import create_api_token
from tests.states import ROLES, World, build_world
from tests.twofactor import verified_login

ROOT = Path(__file__).resolve().parent.parent
HASHED = re.compile(r"/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css")

# What the production settings say, read by the settings module itself with DEBUG=0.
PRODUCTION_KEYS = [
    "DEBUG",
    "MIDDLEWARE",
    "STORAGES",
    "TEMPLATES",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "X_FRAME_OPTIONS",
    "ABL_TWO_FACTOR_REQUIRED",
]


def _environment(**extra: str) -> dict[str, str]:
    """This process's environment without the test settings, plus `extra`."""
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "STATIC_ROOT",
        "ABL_TWO_FACTOR_REQUIRED",
    }
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **extra}


@pytest.fixture(scope="session")
def production_settings() -> dict[str, object]:
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {PRODUCTION_KEYS!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_environment(DEBUG="0", SECRET_KEY="test-only-" + "x" * 50),
        check=True,
    )
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    assert values["DEBUG"] is False
    assert values["ABL_TWO_FACTOR_REQUIRED"] is True  # the walk logs bank users in with a code
    return values


def dockerfile_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The Dockerfile's `RUN KEY=value … python manage.py collectstatic …`: its variables and command."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    (run,) = [line for line in lines if line.startswith("RUN ") and "collectstatic" in line]
    words = shlex.split(run.removeprefix("RUN "))
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=.*", word))
    return env, words[len(env) :]


@dataclass(frozen=True)
class Build:
    static_root: Path
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="session")
def build(tmp_path_factory) -> Build:
    """collectstatic exactly as the Dockerfile runs it, into a folder of the session's own.

    Run once: the walk serves what this build collected (compressing every file
    takes seconds, too long to do twice).
    """
    root = tmp_path_factory.mktemp("staticfiles")
    env, argv = dockerfile_collectstatic()
    result = subprocess.run(
        [sys.executable if argv[0] == "python" else argv[0], *argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_environment(**env, STATIC_ROOT=str(root)),
        check=False,
    )
    return Build(static_root=root, result=result)


@pytest.fixture(scope="module")
def production(production_settings, build) -> Iterator[None]:
    if build.result.returncode != 0:
        pytest.fail(f"collectstatic failed, so no page can render:\n{build.result.stderr}")
    with override_settings(
        **production_settings,
        STATIC_ROOT=build.static_root,
        ALLOWED_HOSTS=["testserver"],
        ABL_API_THROTTLE_RATE="1000000/minute",  # the walk calls the API thousands of times
    ):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """Every state, built once; rolled back when the module is done."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# --- What fills each URL pattern's parameters, for one state ------------------------------

Filler = Callable[[World, str], list[str]]
ONCE = "(no state)"  # the pass for pages without parameters


def _per_state(fill: Filler) -> Filler:
    """A page of one facility or certificate: walked once per state, not in the ONCE pass."""
    return lambda world, state: [] if state == ONCE else fill(world, state)


BEYOND_BIGINT = 2**63  # an id no database column holds: must be 404, not an overflow


def _facility(name: str) -> Filler:
    def fill(world: World, state: str) -> list[str]:
        pk = BEYOND_BIGINT if state == ONCE else world.facilities[state].pk
        return [reverse(name, args=[pk])]

    return fill


def _certificate(name: str, *queries: str) -> Filler:
    def fill(world: World, state: str) -> list[str]:
        if state == ONCE:
            return [reverse(name, args=[BEYOND_BIGINT])]
        certificate = world.certificates[state]
        if certificate is None:
            return []
        url = reverse(name, args=[certificate.pk])
        return [url + query for query in ("", *queries)]

    return fill


def _templates(world: World, state: str) -> list[str]:
    """Every kind and format once (they do not change with the state); access for each facility."""
    pk = world.facilities[state].pk
    combinations = [("receivables", "csv")]
    if state == "no-certificate":
        kinds = ("receivables", "inventory", "payables", "nonsense")
        combinations = [(kind, fmt) for kind in kinds for fmt in ("csv", "xlsx")]
    return [reverse("collateral_template", args=[pk, *c]) for c in combinations]


def _customers(world: World, state: str) -> list[str]:
    certificate = world.certificates[state]
    if certificate is None:
        return []
    shown = CustomerLine.objects.filter(computation_id=certificate.current_id).first()
    customers = {"NOBODY/ WITH A SLASH", shown.customer_id if shown else "ACME"}
    return [reverse("drill_invoices", args=[certificate.pk, c]) for c in sorted(customers)]


def _submitted_computation(world: World, state: str) -> list[str]:
    """The drill-down of the figures as submitted, when they differ from the current ones."""
    certificate = world.certificates[state]
    if certificate is None or certificate.submitted_id is None:
        return []
    return [
        reverse("drill_customers", args=[certificate.pk])
        + f"?computation={certificate.submitted_id}"
    ]


def _exports(world: World, state: str) -> list[str]:
    """Each list as CSV, and a list that does not exist."""
    certificate = world.certificates.get(state) if state != ONCE else None
    pk = certificate.pk if certificate is not None else BEYOND_BIGINT
    if state != ONCE and certificate is None:
        return []
    tables = ("invoices", "customers", "inventory", "nonsense")
    return [reverse("certificate_csv", args=[pk, table]) for table in tables]


def _acknowledge(world: World, state: str) -> list[str]:
    if state == ONCE:
        return [reverse("acknowledge_terms", args=[BEYOND_BIGINT, 1])]
    return [reverse("acknowledge_terms", args=[world.facilities[state].pk, v]) for v in (1, 99)]


def _once(*urls: str) -> Filler:
    """A page without parameters: walked once, not once per state."""
    return lambda world, state: list(urls) if state == ONCE else []


def _admin(world: World, state: str) -> list[str]:
    if state != ONCE:
        return []
    changelists = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    return [reverse("admin:index"), *sorted(changelists)]


def _people(name: str) -> Filler:
    """A page about one person: each user of the world, and an id nobody has."""

    def fill(world: World, state: str) -> list[str]:
        if state != ONCE:
            return []
        ids = [user.pk for user in world.users.values() if user is not None]
        return [reverse(name, args=[pk]) for pk in [*ids, 999_999]]

    return fill


def _remove_manager(world: World, state: str) -> list[str]:
    facility, manager = world.facilities[state], world.users["rm"]
    assert manager is not None
    return [reverse("remove_manager", args=[facility.pk, manager.pk])]


def _covenant_objects(name: str, kind: str, *queries: str) -> Filler:
    """A page of a covenant object (tests/covenants/states.py): each one, and an id nobody has."""

    def fill(world: World, state: str) -> list[str]:
        if state != ONCE:
            return []
        from tests.covenants.states import covenant_world

        ids = getattr(covenant_world(world), kind)
        urls = [reverse(name, args=[pk]) for pk in [*ids, BEYOND_BIGINT]]
        return [url + query for url in urls for query in ("", *queries)]

    return fill


def _advances(world: World, state: str) -> list[str]:
    """Each advance request of the state's facility (requested, approved, declined)."""
    if state == ONCE:
        return [reverse("advance_detail", args=[BEYOND_BIGINT])]
    requests = AdvanceRequest.objects.filter(facility=world.facilities[state]).order_by("pk")
    return [reverse("advance_detail", args=[pk]) for pk in requests.values_list("pk", flat=True)]


def _advance_pages(name: str) -> Filler:
    """An API operation on each advance request of the state's facility, and on one nobody has."""

    def fill(world: World, state: str) -> list[str]:
        if state == ONCE:
            return [reverse(name, args=[BEYOND_BIGINT])]
        requests = AdvanceRequest.objects.filter(facility=world.facilities[state]).order_by("pk")
        return [reverse(name, args=[pk]) for pk in requests.values_list("pk", flat=True)]

    return fill


def _withdrawals(world: World, state: str) -> list[str]:
    """Withdrawing each advance request of the state's facility, and one nobody has."""
    if state == ONCE:
        return [reverse("withdraw_advance", args=[BEYOND_BIGINT])]
    requests = AdvanceRequest.objects.filter(facility=world.facilities[state]).order_by("pk")
    return [reverse("withdraw_advance", args=[pk]) for pk in requests.values_list("pk", flat=True)]


def _default_events(world: World, state: str) -> list[str]:
    """Confirming the end of each event of default of the state's facility, and of none."""
    if state == ONCE:
        return [reverse("confirm_default_end", args=[BEYOND_BIGINT, BEYOND_BIGINT])]
    facility = world.facilities[state]
    return [
        reverse("confirm_default_end", args=[facility.pk, pk])
        for pk in facility.default_events.order_by("pk").values_list("pk", flat=True)
    ]


def _ledger_pages(world: World, state: str) -> list[str]:
    return [reverse("ledger", args=[world.facilities[state].pk]) + "?page=999"]


def _fee_statements(world: World, state: str) -> list[str]:
    """The statement of a month, of a month that is none, and the PDF of each."""
    pk = world.facilities[state].pk
    months = ("?month=2003-03", "?month=2003-13", "?month=%00", "")
    return [
        reverse(name, args=[pk]) + m
        for name in ("fee_statement", "fee_statement_pdf")
        for m in months
    ]


def _webhook_objects(name: str, model: type[WebhookEndpoint] | type[WebhookDelivery]) -> Filler:
    """A page of each webhook endpoint (or delivery) of the world, and an id nobody has."""

    def fill(world: World, state: str) -> list[str]:
        if state != ONCE:
            return []
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        return [reverse(name, args=[pk]) for pk in [*ids, BEYOND_BIGINT]]

    return fill


def _api_fee_months(world: World, state: str) -> list[str]:
    pk = world.facilities[state].pk
    return [reverse("api_fee_statement", args=[pk]) + m for m in ("?month=2003-13", "?month=%00")]


# The audit trail's filters, readable and not: each shows the page (its errors) or the export.
AUDIT_QUERIES = (
    "",
    "?page=999",
    "?q=approved&action=certificate.*&since=2003-01-01&until=2003-12-31",
    "?facility=1&actor=&action=advance.approved",
    f"?facility={BEYOND_BIGINT}&actor=x&action=nonsense&since=2003-13-45&until=%00",
    "?q=" + "x" * 300,
)


FILLERS: dict[str, list[Filler]] = {
    "home": [_once("/")],
    "facility_list": [_once(reverse("facility_list"), reverse("facility_list") + "?page=999")],
    "review_queue": [_once(reverse("review_queue"))],
    "audit_list": [
        _once(reverse("audit_list"), *(reverse("audit_list") + q for q in AUDIT_QUERIES))
    ],
    "audit_csv": [_once(*(reverse("audit_csv") + q for q in AUDIT_QUERIES))],
    "login": [_once(reverse("login"))],
    "logout": [_once(reverse("logout"))],
    "two_factor": [_once(reverse("two_factor"))],
    "two_factor_verify": [_once(reverse("two_factor_verify"))],
    "admin": [_admin],
    "facility_detail": [_facility("facility_detail")],
    "upload": [_facility("upload")],
    "certificate_list": [_facility("certificate_list")],
    "collateral_template": [_per_state(_templates)],
    "certificate_detail": [_certificate("certificate_detail")],
    "certificate_files": [_certificate("certificate_files", "?was_pending=1")],
    "replace_file": [_certificate("replace_file")],
    "save_roll_forward": [_certificate("save_roll_forward")],
    "certify": [_certificate("certify")],
    "correct_and_resubmit": [_certificate("correct_and_resubmit")],
    "drill_customers": [
        _certificate(
            "drill_customers",
            "?category=concentration",
            "?category=nonsense",
            f"?computation={BEYOND_BIGINT}&page=last",
        ),
        _per_state(_submitted_computation),
    ],
    "drill_invoices": [_per_state(_customers)],
    "drill_inventory": [_certificate("drill_inventory", "?reason=eligible")],
    "certificate_pdf": [_certificate("certificate_pdf")],
    "checklist": [_facility("checklist")],
    "checklist_add": [_facility("checklist_add")],
    "checklist_attach": [_once(reverse("checklist_attach", args=[BEYOND_BIGINT]))],
    "checklist_decide": [_once(reverse("checklist_decide", args=[BEYOND_BIGINT]))],
    "checklist_file": [_once(reverse("checklist_file", args=[BEYOND_BIGINT]))],
    "acknowledge_terms": [_acknowledge],
    "certificate_xlsx": [_certificate("certificate_xlsx", f"?computation={BEYOND_BIGINT}")],
    "prepare_certificate_xlsx": [_certificate("prepare_certificate_xlsx")],
    "certificate_xlsx_status": [
        _certificate("certificate_xlsx_status", f"?computation={BEYOND_BIGINT}")
    ],
    "certificate_csv": [_exports],
    "set_reserves": [_certificate("set_reserves")],
    "record_consent": [_certificate("record_consent")],
    "review": [_certificate("review")],
    "discard_draft": [_certificate("discard_draft")],
    "people_list": [_once(reverse("people_list"))],
    "create_person": [_once(reverse("create_person"))],
    "person_detail": [_people("person_detail")],
    "change_role": [_people("change_role")],
    "deactivate_person": [_people("deactivate_person")],
    "issue_two_factor_activation": [_people("issue_two_factor_activation")],
    "set_password": [_people("set_password")],
    "facility_managers": [_facility("facility_managers")],
    "remove_manager": [_per_state(_remove_manager)],
    "account": [_once(reverse("account"))],
    "end_my_sessions": [_once(reverse("end_my_sessions"))],
    "lockout_list": [_once(reverse("lockout_list"))],
    "unlock_login": [_once(reverse("unlock_login"))],
    "end_person_sessions": [_people("end_person_sessions")],
    "loan": [_facility("loan")],
    "ledger": [_facility("ledger"), _per_state(_ledger_pages)],
    "record_repayment": [_facility("record_repayment")],
    "import_repayments": [_facility("import_repayments")],
    "advance_detail": [_advances],
    "withdraw_advance": [_withdrawals],
    "propose_default_end": [_facility("propose_default_end")],
    "confirm_default_end": [_default_events],
    "due_calendar": [_facility("due_calendar")],
    "financial_reporting": [_facility("financial_reporting")],
    "submit_statement": [_facility("submit_statement")],
    "upload_statements": [_facility("upload_statements")],
    "request_capex": [_facility("request_capex")],
    "covenant_page": [_facility("covenant_page")],
    "statement_detail": [_covenant_objects("statement_detail", "versions")],
    "accept_statement": [_covenant_objects("accept_statement", "versions")],
    "compliance_certificate": [
        _covenant_objects("compliance_certificate", "versions", "?as=accepted")
    ],
    "statement_queue": [_once(reverse("statement_queue"))],
    "breach_queue": [_once(reverse("breach_queue"))],
    "breach_detail": [_covenant_objects("breach_detail", "cases")],
    "waive_breach": [_covenant_objects("waive_breach", "cases")],
    "amend_covenant": [_covenant_objects("amend_covenant", "cases")],
    "declare_default": [_covenant_objects("declare_default", "cases")],
    "waiver_document": [_covenant_objects("waiver_document", "cases")],
    "capex_queue": [_once(reverse("capex_queue"))],
    "decide_capex": [_covenant_objects("decide_capex", "capex_requests")],
    "fee_statement": [_facility("fee_statement"), _per_state(_fee_statements)],
    "fee_statement_pdf": [_facility("fee_statement_pdf")],
    "fee_statement_document": [
        _once(reverse("fee_statement_document", args=[BEYOND_BIGINT])),
        _per_state(
            lambda world, state: [
                reverse("fee_statement_document", args=[pk])
                for pk in world.facilities[state]
                .fee_statement_documents.order_by("pk")
                .values_list("pk", flat=True)
            ]
        ),
    ],
    "post_fees": [_facility("post_fees")],
    "field_exams": [_facility("field_exams")],
    "record_field_exam": [_once(reverse("record_field_exam", args=[BEYOND_BIGINT]))],
    "base_rates": [_once(reverse("base_rates"))],
    "portfolio": [
        _once(
            reverse("portfolio"),
            reverse("portfolio") + "?frequency=weekly&sort=-excess_availability",
            reverse("portfolio") + "?frequency=bogus&covenant_status=%00&exception=nonsense",
            reverse("portfolio") + "?sort=nonsense&page=999",
            reverse("portfolio") + "?exception=late_report&sort=-tightest_headroom_pct",
            reverse("portfolio") + "?q=" + "x" * 500,
        )
    ],
    "facility_charts": [_facility("facility_charts")],
    "webhooks": [_once(reverse("webhooks"))],
    "webhook_endpoint": [_webhook_objects("webhook_endpoint", WebhookEndpoint)],
    "deactivate_webhook_endpoint": [
        _webhook_objects("deactivate_webhook_endpoint", WebhookEndpoint)
    ],
    "test_webhook_endpoint": [_webhook_objects("test_webhook_endpoint", WebhookEndpoint)],
    "retry_webhook_delivery": [_webhook_objects("retry_webhook_delivery", WebhookDelivery)],
    # The API answers a session 401 (it takes tokens only): no 5xx, and no-store.
    "api_schema": [_once(reverse("api_schema"))],
    "api_docs": [_once(reverse("api_docs"), reverse("api_docs") + "?script=")],
    "api_facilities": [_once(reverse("api_facilities"))],
    "api_facility": [_facility("api_facility")],
    "api_facility_status": [_facility("api_facility_status")],
    "api_terms": [_facility("api_terms")],
    "api_advances": [_facility("api_advances")],
    "api_ledger": [_facility("api_ledger")],
    "api_repayments": [_facility("api_repayments")],
    "api_advance": [_advance_pages("api_advance")],
    "api_withdraw_advance": [_advance_pages("api_withdraw_advance")],
    "api_decide_advance": [_advance_pages("api_decide_advance")],
    "api_certificates": [_facility("api_certificates")],
    "api_certificate": [_certificate("api_certificate")],
    "api_certificate_files": [_certificate("api_certificate_files")],
    "api_customers": [
        _certificate(
            "api_customers",
            "?category=affiliate",
            "?category=nonsense",
            f"?computation={BEYOND_BIGINT}",
            "?cursor=nonsense",
        )
    ],
    "api_invoices": [
        _certificate("api_invoices", "?customer=ACME", "?customer=NOBODY/%20WITH%20A%20SLASH")
    ],
    "api_inventory": [_certificate("api_inventory", "?reason=eligible", "?reason=nonsense")],
    "api_certify": [_certificate("api_certify")],
    "api_fee_statement": [_facility("api_fee_statement"), _per_state(_api_fee_months)],
    "api_fee_statement_pdf": [_facility("api_fee_statement_pdf")],
    "api_fee_statements": [_facility("api_fee_statements")],
    "api_fee_statement_document": [
        _once(reverse("api_fee_statement_document", args=[BEYOND_BIGINT]))
    ],
    "api_financial_statements": [_facility("api_financial_statements")],
    "api_review": [_certificate("api_review")],
    "api_certificate_pdf": [_certificate("api_certificate_pdf")],
    "api_certificate_export": [
        _certificate("api_certificate_export", f"?computation={BEYOND_BIGINT}")
    ],
    "api_certificate_xlsx": [_certificate("api_certificate_xlsx", f"?computation={BEYOND_BIGINT}")],
    "create_my_token": [_once(reverse("create_my_token"))],
    "revoke_my_token": [_once(reverse("revoke_my_token", args=[BEYOND_BIGINT]))],
    "create_person_token": [_people("create_person_token")],
    "revoke_person_token": [
        _once(reverse("revoke_person_token", args=[BEYOND_BIGINT, BEYOND_BIGINT]))
    ],
}


def _pattern_names(patterns: list[URLPattern | URLResolver]) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                yield "admin"  # Django's own pages: the index and each model's list
            else:
                yield from _pattern_names(pattern.url_patterns)
        else:
            yield pattern.name or str(pattern.pattern)


def test_every_url_pattern_has_a_filler():
    names = set(_pattern_names(get_resolver().url_patterns))

    assert names - FILLERS.keys() == set(), "give these URL patterns parameters in FILLERS"
    assert FILLERS.keys() - names == set(), "these FILLERS name no URL pattern"


# --- The walk ---------------------------------------------------------------------------


def _client(user) -> Client:
    """Logged in as production lets the user in: bank staff with a verified second factor."""
    client = Client(raise_request_exception=False)
    if user is not None and user.is_bank_staff:
        verified_login(client, user)
    elif user is not None:
        client.force_login(user)
    if user is not None:
        # The API takes a token, not the session: each signed-in role calls it with its own.
        token = create_api_token(user=user, actor=user, name="walk", days=1).secret
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _post_and_forget(client: Client, url: str):
    """POST with an empty body; whatever it changed (a logout too) is undone afterwards."""
    cookies = SimpleCookie({k: v.value for k, v in client.cookies.items()})
    with transaction.atomic():
        response = client.post(url, secure=True)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def _why(response) -> str:
    if not response.exc_info:
        return ""
    error = response.exc_info[1]
    ours = [
        f"{Path(f.filename).relative_to(ROOT)}:{f.lineno}"
        for f in traceback.extract_tb(response.exc_info[2])
        if f.filename.startswith(str(ROOT)) and ".venv" not in f.filename
    ]
    return f": {type(error).__name__}: {error} (last in our code: {ours[-1] if ours else '-'})"


def walk(world: World, role: str) -> tuple[list[str], dict[str, int]]:
    """Every URL for one role: the failures, and the status each GET answered."""
    client = _client(world.users[role])
    signed_in = world.users[role] is not None
    failures: list[str] = []
    statuses: dict[str, int] = {}
    for state in [ONCE, *world.facilities]:
        for fillers in FILLERS.values():
            for url in (url for fill in fillers for url in fill(world, state)):
                if url in statuses:  # two states share a facility
                    continue
                response = client.get(url, secure=True)
                statuses[url] = response.status_code
                if response.status_code >= 500:
                    failures.append(f"GET {url} [{state}] → {response.status_code}{_why(response)}")
                if signed_in and "no-store" not in response.get("Cache-Control", ""):
                    failures.append(f"GET {url} [{state}] → not Cache-Control: no-store")
                if response.streaming:  # a download is written as it is sent: read it all
                    try:
                        b"".join(response.streaming_content)
                    except Exception as error:  # any failure is the finding
                        failures.append(f"GET {url} [{state}] → failed while streaming: {error!r}")
                if response.status_code == 405:
                    posted = _post_and_forget(client, url)
                    # An API operation may succeed with no body (withdrawing a request): 2xx.
                    lowest = 200 if url.startswith("/api/") else 300
                    if not lowest <= posted.status_code < 500:
                        failures.append(
                            f"POST {url} [{state}] → {posted.status_code}{_why(posted)}"
                        )
    return failures, statuses


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_5xx_in_production(production, world, role):
    failures, _ = walk(world, role)

    assert not failures, "\n".join(["", *failures])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("borrower", True),
        ("analyst", True),
        ("rm", True),
        ("admin", True),
        ("other_borrower", False),
        ("other_rm", False),
    ],
)
def test_walk_reaches_every_certificate_the_role_may_see(production, world, role, visible):
    """The walk is worth something only if the pages render: 200 where the role may look."""
    client = _client(world.users[role])
    expected = 200 if visible else 404

    answered = {
        state: client.get(reverse("certificate_detail", args=[c.pk]), secure=True).status_code
        for state, c in world.certificates.items()
        if c is not None
    }

    assert answered == dict.fromkeys(answered, expected)
    assert len(answered) == len(world.certificates) - 1  # all but the facility without one
    through_the_api = {
        state: client.get(reverse("api_certificate", args=[c.pk]), secure=True).status_code
        for state, c in world.certificates.items()
        if c is not None
    }
    assert through_the_api == answered


# --- The production build ---------------------------------------------------------------


def test_collectstatic_as_the_dockerfile_runs_it_exits_0(build):
    assert build.result.returncode == 0, build.result.stderr
    assert (build.static_root / "staticfiles.json").exists()


@pytest.mark.django_db
def test_pages_reference_hashed_static_names_that_whitenoise_serves(production):
    client = Client(raise_request_exception=False)

    page = client.get(reverse("login"), secure=True)

    assert page.status_code == 200
    hashed = HASHED.search(page.content.decode())
    assert hashed is not None, "bootstrap.min.css is not referenced by its hashed name"
    served = client.get(hashed.group(0), secure=True)
    served.close()  # WhiteNoise answers with the open file
    assert served.status_code == 200
    assert served["Cache-Control"] == "max-age=315360000, public, immutable"
