"""The Django admin changes nothing unaudited: what it may change is recorded, and passwords,
admin flags, two-factor devices and the beat schedule are not changed there at all."""

import pytest
from django.contrib import admin
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.admin import AuditedAdmin
from abl.models import AuditEvent, User
from abl.services.schedule import ensure_beat_schedule
from config.celery import app

pytestmark = pytest.mark.django_db

NIGHTLY_CHECK = "verify-audit-chain"


def _change(client, user: User, **data: str):
    form = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "title": user.title,
        "approval_limit": str(user.approval_limit),
    }
    return client.post(f"/admin/abl/user/{user.pk}/change/", {**form, **data})


def test_admin_change_of_a_user_is_audited_with_the_changed_fields(client, admin_user, analyst):
    client.force_login(admin_user)

    response = _change(client, analyst, first_name="Renamed", email="new@example.com")

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.changed")
    assert (event.actor, event.object_type, event.object_id) == (
        admin_user,
        "abl.User",
        str(analyst.pk),
    )
    assert event.changes == {"first_name": "Renamed", "email": "new@example.com"}


def test_admin_cannot_make_a_superuser_nor_change_flags_groups_or_username(
    client, admin_user, analyst
):
    client.force_login(admin_user)
    before = analyst.password

    response = _change(
        client,
        analyst,
        username="someone-else",
        is_staff="on",
        is_superuser="on",
        password="md5$planted$hash",
    )

    analyst.refresh_from_db()
    assert response.status_code == 302
    assert (analyst.username, analyst.is_staff, analyst.is_superuser, analyst.password) == (
        analyst.username,
        False,
        False,
        before,
    )
    assert analyst.username != "someone-else"
    assert analyst.groups.count() == 0


def test_admin_change_form_shows_no_password_hash(client, admin_user, analyst):
    client.force_login(admin_user)
    analyst.set_password("a-Long-passphrase-4711")
    analyst.save()

    page = client.get(f"/admin/abl/user/{analyst.pk}/change/").content.decode()

    assert analyst.password not in page
    assert analyst.password.split("$")[-1] not in page
    assert "../password/" not in page


def test_admin_set_password_page_is_refused(client, admin_user, analyst):
    client.force_login(admin_user)
    before = analyst.password
    url = f"/admin/abl/user/{analyst.pk}/password/"

    shown = client.get(url)
    posted = client.post(url, {"password1": "Planted-pass-4711", "password2": "Planted-pass-4711"})

    analyst.refresh_from_db()
    assert (shown.status_code, posted.status_code) == (403, 403)
    assert analyst.password == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_totp/totpdevice/add/",
        "/admin/otp_static/staticdevice/",
        "/admin/otp_static/staticdevice/add/",
    ],
)
def test_admin_has_no_two_factor_device_pages(client, admin_user, url):
    client.force_login(admin_user)

    response = client.get(url)

    assert response.status_code == 404


def test_admin_cannot_plant_a_two_factor_device(client, admin_user, analyst):
    client.force_login(admin_user)

    client.post(
        "/admin/otp_totp/totpdevice/add/",
        {"user": str(analyst.pk), "name": "planted", "confirmed": "on", "key": "00" * 20},
    )

    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()


@pytest.fixture
def nightly_check() -> PeriodicTask:
    ensure_beat_schedule(schedule=app.conf.beat_schedule)
    return PeriodicTask.objects.get(name=NIGHTLY_CHECK)


def test_admin_cannot_disable_the_nightly_audit_check(client, admin_user, nightly_check):
    client.force_login(admin_user)
    url = f"/admin/django_celery_beat/periodictask/{nightly_check.pk}/change/"

    page = client.get(url)
    changed = client.post(url, {"name": NIGHTLY_CHECK, "task": "abl.verify_audit_chain"})
    action = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "disable_tasks", "_selected_action": [str(nightly_check.pk)]},
    )
    deleted = client.post(
        f"/admin/django_celery_beat/periodictask/{nightly_check.pk}/delete/", {"post": "yes"}
    )

    nightly_check.refresh_from_db()
    assert page.status_code == 200  # it can be looked at
    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert action.status_code in {200, 302}
    assert nightly_check.enabled is True


def test_a_disabled_nightly_check_is_enabled_again_when_beat_starts(nightly_check):
    PeriodicTask.objects.filter(pk=nightly_check.pk).update(enabled=False, one_off=True)

    restored = ensure_beat_schedule(schedule=app.conf.beat_schedule)

    nightly_check.refresh_from_db()
    assert restored == [NIGHTLY_CHECK]
    assert (nightly_check.enabled, nightly_check.one_off) == (True, False)
    assert nightly_check.task == "abl.verify_audit_chain"
    event = AuditEvent.objects.get(action="schedule.restored")
    assert event.actor is None
    assert event.changes == {"found": {NIGHTLY_CHECK: {"enabled": "False", "one_off": "True"}}}


def test_ensuring_the_schedule_twice_restores_and_records_nothing_the_second_time(nightly_check):
    count = AuditEvent.objects.count()

    again = ensure_beat_schedule(schedule=app.conf.beat_schedule)

    assert again == []
    assert AuditEvent.objects.count() == count


# Beat's scheduler closes old connections as it reads the schedule: outside a test
# transaction, so transaction=True; on SQLite the append-only trigger refuses the DELETE
# that empties the tables after such a test (PostgreSQL truncates them).
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_beats_scheduler_restores_the_schedule_as_it_starts(nightly_check, settings):
    from abl.beat import Scheduler

    PeriodicTask.objects.filter(pk=nightly_check.pk).update(enabled=False)

    scheduler = Scheduler(app=app, lazy=False)

    nightly_check.refresh_from_db()
    assert nightly_check.enabled is True
    assert NIGHTLY_CHECK in scheduler.schedule
    assert settings.CELERY_BEAT_SCHEDULER == "abl.beat:Scheduler"


def test_the_nightly_check_keeps_its_crontab(nightly_check):
    crontab = CrontabSchedule.objects.get(pk=nightly_check.crontab_id)

    assert (crontab.minute, crontab.hour) == ("30", "2")


def test_every_admin_that_may_change_anything_is_audited(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user

    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
            or model_admin.get_actions(request)
        )
    ]

    assert unaudited == []


def test_administrator_sets_a_password_on_the_people_page_audited(client, admin_user, analyst):
    client.force_login(admin_user)

    response = client.post(
        f"/people/{analyst.pk}/password/",
        {"password": "a-New-passphrase-4711", "password_again": "a-New-passphrase-4711"},
    )

    analyst.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, f"/people/{analyst.pk}/")
    assert analyst.check_password("a-New-passphrase-4711")
    event = AuditEvent.objects.get(action="user.password_set")
    assert (event.actor, event.object_id, event.changes) == (
        admin_user,
        str(analyst.pk),
        {"password": "set"},
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"password": "a-New-passphrase-4711", "password_again": "other"},
            "password_again",
            "The two passwords differ.",
        ),
        (
            {"password": "12345678", "password_again": "12345678"},
            "password",
            "This password is too common. This password is entirely numeric.",
        ),
    ],
)
def test_a_refused_password_names_its_field_and_changes_nothing(
    client, admin_user, analyst, data, field, message
):
    client.force_login(admin_user)
    before = analyst.password

    response = client.post(f"/people/{analyst.pk}/password/", data)

    analyst.refresh_from_db()
    assert response.status_code == 400
    assert response.context["password_form"].errors == {field: [message]}
    assert analyst.password == before
    assert not AuditEvent.objects.exists()


def test_only_an_administrator_sets_passwords(client, relationship_manager, analyst):
    client.force_login(relationship_manager)
    before = analyst.password

    response = client.post(
        f"/people/{analyst.pk}/password/",
        {"password": "a-New-passphrase-4711", "password_again": "a-New-passphrase-4711"},
    )

    analyst.refresh_from_db()
    assert response.status_code == 404
    assert analyst.password == before
