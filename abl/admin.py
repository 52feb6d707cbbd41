from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from abl.models import AuditEvent, Facility, Organisation, TermsVersion, User


@admin.register(User)
class AblUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("ABL Desk", {"fields": ("role", "organisation", "title")}),
    )
    list_display = ("username", "get_full_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "is_active")


admin.site.register(Organisation)
admin.site.register(Facility)


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ("facility", "version", "effective_date", "reason", "created_at")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_name", "action", "facility", "summary")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
