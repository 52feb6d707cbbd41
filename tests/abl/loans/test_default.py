"""Events of default end only by a cure or a waiver that two analysts make (§7, §10)."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from abl.models import AuditEvent, DefaultEvent, LedgerEntry
from abl.services import loans
from abl.services.errors import LoanRefused
from tests.abl.loans.conftest import TODAY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LATER = TODAY + dt.timedelta(days=3)


@pytest.fixture
def in_default(innotrac, abl_analyst):
    return loans.declare_event_of_default(
        facility=innotrac, on=TODAY, reason="Breach of the fixed charge coverage", user=abl_analyst
    )


def _waiver() -> SimpleUploadedFile:
    return SimpleUploadedFile("waiver.pdf", b"%PDF-1.4 signed waiver")


def _run(*args: str) -> str:
    out = StringIO()
    call_command("decide_default", *args, stdout=out)
    return out.getvalue()


def test_a_cure_needs_a_second_analyst_and_ends_the_default_on_the_day_they_confirm(
    innotrac, in_default, abl_analyst, second_analyst, settings
):
    proposed = loans.propose_default_end(
        facility=innotrac, ending="cure", reason="Equity injected", user=abl_analyst
    )
    assert proposed.ended_on is None
    assert loans.default_standing(innotrac, on=LATER) == in_default

    settings.ABL_BUSINESS_DATE = LATER.isoformat()
    ended = loans.confirm_default_end(event=proposed, user=second_analyst)

    assert ended.ended_on == LATER
    assert loans.default_standing(innotrac, on=LATER) is None
    assert loans.default_standing(innotrac, on=LATER - dt.timedelta(days=1)) == in_default
    assert loans.live_availability(innotrac).in_default_since is None
    assert loans.live_availability(innotrac, on=TODAY).in_default_since == TODAY
    assert list(
        AuditEvent.objects.filter(action__startswith="facility.default")
        .order_by("pk")
        .values_list("action", "actor__username")
    ) == [
        ("facility.default_declared", abl_analyst.username),
        ("facility.default_cure_proposed", abl_analyst.username),
        ("facility.default_cure_confirmed", second_analyst.username),
    ]


def test_advances_resume_from_the_day_the_default_ends(
    innotrac, cfo, in_default, abl_analyst, second_analyst, approved
):
    advance = loans.request_advance(
        facility=innotrac, actor=cfo, amount=Decimal("1000.00"), key="k"
    )
    with pytest.raises(LoanRefused):
        loans.approve_advance(advance=advance, actor=abl_analyst)

    event = loans.propose_default_end(
        facility=innotrac, ending="waiver", reason="Waived", document=_waiver(), user=abl_analyst
    )
    with pytest.raises(LoanRefused):
        loans.approve_advance(advance=advance, actor=abl_analyst)
    loans.confirm_default_end(event=event, user=second_analyst)
    loans.approve_advance(advance=advance, actor=abl_analyst)

    assert LedgerEntry.objects.get().kind == "advance"


def _unchanged(event: DefaultEvent) -> tuple[object, ...]:
    event.refresh_from_db()
    return (event.ending, event.ended_on, AuditEvent.objects.count())


@pytest.mark.parametrize(
    ("ending", "reason", "document", "message"),
    [
        ("cure", "  ", None, "Say why: a cure is recorded with its reason."),
        ("waiver", "Waived", None, "Attach the signed waiver document."),
        ("forgiven", "Waived", None, "An event of default ends by a cure or a waiver"),
    ],
)
def test_a_proposal_short_of_what_it_needs_is_refused(
    innotrac, in_default, abl_analyst, ending, reason, document, message
):
    before = _unchanged(in_default)

    with pytest.raises(LoanRefused) as refused:
        loans.propose_default_end(
            facility=innotrac, ending=ending, reason=reason, document=document, user=abl_analyst
        )

    assert str(refused.value).startswith(message)
    assert _unchanged(in_default) == before


def test_the_analyst_who_proposed_cannot_confirm(innotrac, in_default, abl_analyst):
    event = loans.propose_default_end(
        facility=innotrac, ending="cure", reason="Cured", user=abl_analyst
    )
    before = _unchanged(event)

    with pytest.raises(LoanRefused) as refused:
        loans.confirm_default_end(event=event, user=abl_analyst)

    assert str(refused.value) == (
        "A second analyst confirms the cure: not the analyst who proposed it."
    )
    assert _unchanged(event) == before


def test_only_an_analyst_of_the_bank_cures_or_waives(innotrac, cfo, in_default, abl_analyst):
    insider = UserFactory(username="insider", role="analyst", organisation=innotrac.borrower)
    for user in (cfo, insider):
        with pytest.raises(LoanRefused):
            loans.propose_default_end(facility=innotrac, ending="cure", reason="x", user=user)
    event = loans.propose_default_end(
        facility=innotrac, ending="cure", reason="Cured", user=abl_analyst
    )
    before = _unchanged(event)
    for user in (cfo, insider):
        with pytest.raises(LoanRefused):
            loans.confirm_default_end(event=event, user=user)
    assert _unchanged(event) == before


def test_nothing_to_cure_without_a_default_and_no_second_confirmation(
    innotrac, abl_analyst, second_analyst
):
    with pytest.raises(LoanRefused) as refused:
        loans.propose_default_end(facility=innotrac, ending="cure", reason="x", user=abl_analyst)
    assert "is not in default" in str(refused.value)

    loans.declare_event_of_default(facility=innotrac, on=TODAY, reason="Breach", user=None)
    event = loans.propose_default_end(
        facility=innotrac, ending="cure", reason="Cured", user=abl_analyst
    )
    loans.confirm_default_end(event=event, user=second_analyst)
    third = UserFactory(username="analyst3", role="analyst", organisation=innotrac.lender)
    with pytest.raises(LoanRefused) as refused:
        loans.confirm_default_end(event=event, user=third)
    assert str(refused.value) == f"Event of default {event.pk} already ended on {TODAY} (cure)."


def test_a_new_event_can_be_declared_after_one_ended(innotrac, abl_analyst, second_analyst):
    first = loans.declare_event_of_default(facility=innotrac, on=TODAY, reason="A", user=None)
    event = loans.propose_default_end(
        facility=innotrac, ending="cure", reason="C", user=abl_analyst
    )
    loans.confirm_default_end(event=event, user=second_analyst)

    second = loans.declare_event_of_default(facility=innotrac, on=LATER, reason="B", user=None)

    assert second != first
    assert loans.default_standing(innotrac, on=TODAY) is None
    assert loans.default_standing(innotrac, on=LATER) == second


def test_decide_default_proposes_and_a_second_analyst_confirms(
    innotrac, in_default, abl_analyst, second_analyst, tmp_path
):
    document = tmp_path / "waiver.pdf"
    document.write_bytes(b"%PDF-1.4 signed")

    out = _run(
        "--facility", innotrac.slug, "--waive", "--document", str(document),
        "--reason", "Waived by the credit committee", "--user", abl_analyst.username,
    )  # fmt: skip
    assert f"--confirm {in_default.pk}" in out
    with pytest.raises(CommandError) as refused:
        _run("--facility", innotrac.slug, "--confirm", str(in_default.pk),
             "--cure", "--user", second_analyst.username)  # fmt: skip
    assert "awaits a waiver, not a cure" in str(refused.value)

    out = _run("--facility", innotrac.slug, "--confirm", str(in_default.pk), "--waive",
               "--reason", "Seen the signed copy", "--user", second_analyst.username)  # fmt: skip

    assert f"Event of default {in_default.pk} ended on {TODAY} (waiver)" in out
    in_default.refresh_from_db()
    assert (in_default.document_name, in_default.confirmed_by) == ("waiver.pdf", second_analyst)
    confirmed = AuditEvent.objects.get(action="facility.default_waiver_confirmed")
    assert confirmed.summary.endswith("Confirmed: Seen the signed copy")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--waive", "--reason", "Waived"], "--document: a waiver needs its signed document"),
        (["--cure", "--reason", " "], "--reason: Say why: a cure is recorded with its reason."),
        (["--reason", "x"], "say how it ends: --cure or --waive (or --confirm EVENT_ID)"),
        (["--confirm", "x"], "--confirm: not an id: 'x'"),
        (["--confirm", "999"], "--confirm: no event of default 999 of that facility"),
    ],
)
def test_decide_default_refusals_change_nothing(innotrac, in_default, abl_analyst, args, message):
    before = _unchanged(in_default)

    with pytest.raises(CommandError) as refused:
        _run("--facility", innotrac.slug, *args, "--user", abl_analyst.username)

    assert str(refused.value) == message
    assert _unchanged(in_default) == before


def test_the_facility_page_proposes_confirms_and_shows_the_history(
    client, innotrac, in_default, abl_analyst, second_analyst
):
    client.force_login(abl_analyst)
    page = reverse("facility_detail", args=[innotrac.pk])
    refused = client.post(
        reverse("propose_default_end", args=[innotrac.pk]),
        {"ending": "waiver", "reason": "Waived"},
    )
    assert refused.status_code == 400
    assert "Attach the signed waiver document." in refused.content.decode()

    client.post(
        reverse("propose_default_end", args=[innotrac.pk]),
        {"ending": "waiver", "reason": "Waived by committee", "document": _waiver()},
    )
    assert "awaits a second analyst" in client.get(page).content.decode()

    client.force_login(second_analyst)
    client.post(reverse("confirm_default_end", args=[innotrac.pk, in_default.pk]))

    shown = client.get(page).content.decode()
    assert f"{TODAY:%Y-%m-%d}: advances resume" in shown
    assert "Waived by committee" in shown
    assert "waiver.pdf" in shown


def test_relationship_managers_are_emailed_a_default_and_its_end(
    innotrac, abl_analyst, second_analyst, settings, django_capture_on_commit_callbacks
):
    rm = UserFactory(
        username="rm", role="relationship_manager", organisation=innotrac.lender,
        email="rm@bank.example",
    )  # fmt: skip
    innotrac.relationship_managers.add(rm)
    settings.SITE_URL = "https://abl.example"

    with pytest.raises(Exception):  # noqa: B017, PT011 - nothing sent for a refused declaration
        loans.declare_event_of_default(facility=innotrac, on=TODAY, reason=" ", user=abl_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        event = loans.declare_event_of_default(
            facility=innotrac, on=TODAY, reason="Breach", user=abl_analyst
        )
    to_rm = [m for m in mail.outbox if "rm@bank.example" in m.to]
    assert [m.subject for m in to_rm] == [f"Event of default: {innotrac.name} from {TODAY}"]
    assert "https://abl.example/facilities/" in to_rm[0].body
    assert "Loans outstanding: 0.00" in to_rm[0].body

    loans.propose_default_end(facility=innotrac, ending="cure", reason="Cured", user=abl_analyst)
    with django_capture_on_commit_callbacks(execute=True):
        loans.confirm_default_end(event=event, user=second_analyst)
    to_rm = [m for m in mail.outbox if "rm@bank.example" in m.to]
    assert to_rm[-1].subject == f"Event of default of {innotrac.name} cured on {TODAY}"
    assert all(m.to == ["rm@bank.example"] for m in to_rm)  # no other side's addresses
