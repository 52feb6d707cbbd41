"""The Django admin: a read-only window onto the domain, and user accounts.

Facilities, terms, certificates and their files and computations, organisations
and the audit trail change only through their audited services, so here they
can be listed and viewed, never added, changed or deleted, superusers included.
People's roles, organisations, portfolios and deactivation go through the
administrator's pages (abl/views/people.py); the add-user form here checks the
same rule (`check_membership`) and creates through the same audited service.
See docs/administration.md.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UsernameField
from django.forms import ModelForm
from django.http import HttpRequest

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


class ReadOnlyAdmin(admin.ModelAdmin):
    """List and view only, for everyone."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
class AblUserAdmin(UserAdmin):
    add_form = AblUserCreationForm
    add_fieldsets = (
        (None, {"fields": ("username", "usable_password", "password1", "password2")}),
        (
            "ABL Desk",
            {"fields": ("first_name", "last_name", "email", "role", "organisation", "title")},
        ),
    )
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("ABL Desk", {"fields": ("role", "organisation", "title")}),
    )
    list_display = ("username", "get_full_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "is_active")
    list_select_related = ("organisation",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        # Changed only on the administrator's pages, through audited services.
        return ("role", "organisation", "is_active", "last_login", "date_joined")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_people(request.user) and super().has_add_permission(request)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail points at people

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
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
