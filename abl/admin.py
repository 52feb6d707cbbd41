"""The Django admin: a read-only window onto the domain, and user accounts.

Facilities, terms, certificates and their files and computations, organisations
and the audit trail change only through their audited services, so here they
can be listed and viewed, never added, changed or deleted, superusers included.
People's roles, organisations, portfolios, deactivation, passwords and
two-factor activation go through the administrator's pages
(abl/views/people.py); the add-user form here checks the same rule
(`check_membership`) and creates through the same audited service.

Every save or delete this admin allows goes through `AuditedAdmin`, which
records it (`admin.added`, `admin.changed`, `admin.deleted`) in the same
transaction. The other apps' models are view-only here (groups, the beat
schedule, login attempts) or not shown at all (two-factor devices, whose keys
are secrets). See docs/administration.md.
"""

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UsernameField
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.audit import record
from abl.models import (
    AuditEvent,
    Certificate,
    CollateralFile,
    Computation,
    Facility,
    Organisation,
    TermsVersion,
    User,
)
from abl.services.people import PeopleError, can_manage_people, check_membership, create_user

# Nothing in ABL Desk is deleted from the admin, in bulk or one by one.
admin.site.disable_action("delete_selected")

# Never written to the audit trail, whatever the model: hashes, keys and codes.
SECRET_FIELDS = frozenset({"password", "key", "bin_key", "token", "secret"})


def _shown(value: Any) -> Any:
    """A form's cleaned value as the audit trail keeps it: text, or a list of texts."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(item) for item in value)
    return str(value)


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made through this admin is recorded, in its transaction.

    The admin's change and delete pages run in a transaction; the save takes the
    row's lock before record() takes the chain's, as everywhere else.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name not in SECRET_FIELDS]
        record(
            actor=request.user,  # type: ignore[arg-type]
            action="admin.changed" if change else "admin.added",
            obj=obj,
            summary=f"{obj._meta.verbose_name.capitalize()} {obj} "
            f"{'changed' if change else 'added'} in the admin",
            changes={name: _shown(form.cleaned_data.get(name)) for name in changed},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        label, pk = str(obj), obj.pk
        super().delete_model(request, obj)
        record(
            actor=request.user,  # type: ignore[arg-type]
            action="admin.deleted",
            object_id=f"{obj._meta.label}:{pk}",
            summary=f"{obj._meta.verbose_name.capitalize()} {label} deleted in the admin",
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """List and view only, for everyone."""

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _view_only(*models_: type[models.Model]) -> None:
    """Keep another app's admin pages for looking, without its add, change, delete or actions."""
    for model in models_:
        shown = type(admin.site._registry[model])
        admin.site.unregister(model)
        admin.site.register(model, type(f"ViewOnly{shown.__name__}", (ReadOnlyAdmin, shown), {}))


# Groups carry permissions; the beat schedule runs the nightly audit check
# (config/celery.py; abl.services.schedule restores it at beat's start);
# login attempts are unlocked on the audited lockouts page.
_view_only(Group, PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule)
_view_only(AccessAttempt, AccessLog, AccessFailureLog)
# A device's page shows its key (and its QR code), the backup codes their values: not shown.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class AblUserCreationForm(AdminUserCreationForm):
    """Django's add-user form, asking also who the person is and where they belong."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "organisation", "title")
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        organisation.label_from_instance = (  # type: ignore[attr-defined]
            lambda o: f"{o.name} ({o.get_kind_display()})"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "role" in cleaned:
            try:
                check_membership(role=cleaned["role"], organisation=cleaned.get("organisation"))
            except PeopleError as error:
                self.add_error(error.field, str(error))
        return cleaned


@admin.register(User)
class AblUserAdmin(AuditedAdmin, UserAdmin):
    add_form = AblUserCreationForm
    add_fieldsets = (
        (None, {"fields": ("username", "usable_password", "password1", "password2")}),
        (
            "ABL Desk",
            {"fields": ("first_name", "last_name", "email", "role", "organisation", "title")},
        ),
    )
    # No password here (nor its hash): it is set on the audited people page.
    fieldsets = (
        (None, {"fields": ("username",)}),
        ("Personal info", {"fields": ("first_name", "last_name", "email", "title")}),
        ("ABL Desk", {"fields": ("role", "organisation", "is_active", "approval_limit")}),
        ("Admin access", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    list_display = (
        *("username", "get_full_name", "role", "organisation", "is_active"),
        "approval_limit",
    )
    list_filter = ("role", "organisation", "is_active")
    list_select_related = ("organisation",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        # Changed only on the administrator's pages, through audited services, or not here
        # at all: who a person is (username) and what the admin lets them do.
        return (
            "username",
            "role",
            "organisation",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "last_login",
            "date_joined",
        )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        raise PermissionDenied("Passwords are set on the people page, where it is audited.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_people(request.user) and super().has_add_permission(request)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail points at people

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # audited by AuditedAdmin
            return
        data = form.cleaned_data
        created = create_user(
            actor=request.user,  # type: ignore[arg-type]
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            organisation=data["organisation"],
            title=data["title"],
            password=data["password1"] if data["set_usable_password"] else None,
        )
        # The admin goes on with its own object (the log entry, the redirect).
        obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    # Read-only, names too: loading terms finds the lender and borrower by name.
    list_display = ("name", "kind")
    list_filter = ("kind",)


@admin.register(Facility)
class FacilityAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "lender", "borrower", "created_at")
    list_select_related = ("lender", "borrower")


@admin.register(TermsVersion)
class TermsVersionAdmin(ReadOnlyAdmin):
    list_display = ("facility", "version", "effective_date", "reason", "created_at")
    list_select_related = ("facility",)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("facility", "as_of", "status", "reported_outstanding", "created_at")
    list_filter = ("status",)
    list_select_related = ("facility",)


@admin.register(CollateralFile)
class CollateralFileAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "kind", "status", "certificate", "row_count", "uploaded_at")
    list_filter = ("kind", "status")
    list_select_related = ("certificate__facility",)


@admin.register(Computation)
class ComputationAdmin(ReadOnlyAdmin):
    list_display = ("id", "certificate", "terms_version", "reason", "created_at")
    list_select_related = ("certificate__facility", "terms_version__facility")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "facility", "summary")
    list_filter = ("action",)
    list_select_related = ("facility",)
