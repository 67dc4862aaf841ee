"""Portal accounts in the admin: look up, unlock or deactivate; passwords and codes are never shown.

Nominated contacts are listed read-only: a key account's manager nominates and removes them on the customer's page,
which is audited and ends the contact's portal account; an edit here would do neither.
"""

from django.contrib import admin

from .models import NominatedContact, OneTimeCode, PortalAccount


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    list_display = ("id", "login", "customer", "is_active", "failed_attempts", "locked_until", "last_login_at")
    list_filter = ("is_active",)
    search_fields = ("login", "customer__customer_no")
    raw_id_fields = ("customer",)
    readonly_fields = ("login", "customer", "nominated_contact", "last_login_at", "password_changed_at", "created_at")
    exclude = ("password",)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    list_display = ("id", "purpose", "login", "phone", "created_at", "expires_at", "attempts", "used_at")
    list_filter = ("purpose",)
    search_fields = ("login", "phone")
    # Not the hash either: a six-digit code is found from its hash in moments, so showing it would show the code.
    fields = readonly_fields = (
        "purpose", "login", "phone", "customer", "created_at", "expires_at", "attempts", "used_at",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NominatedContact)
class NominatedContactAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "phone", "organisation", "is_active", "nominated_by", "created_at", "removed_at")
    list_filter = ("is_active",)
    search_fields = ("phone", "name", "organisation__customer_no", "organisation__party__name")
    list_select_related = ("organisation__party", "nominated_by")
    fields = readonly_fields = (
        "organisation", "name", "phone", "is_active", "nominated_by", "created_at", "removed_at",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
