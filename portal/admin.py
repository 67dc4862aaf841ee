"""Portal accounts in the admin: look up, unlock or deactivate; passwords and codes are never shown."""

from django.contrib import admin

from .models import OneTimeCode, PortalAccount


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    list_display = ("id", "login", "customer", "is_active", "failed_attempts", "locked_until", "last_login_at")
    list_filter = ("is_active",)
    search_fields = ("login", "customer__customer_no")
    raw_id_fields = ("customer",)
    readonly_fields = ("login", "customer", "last_login_at", "password_changed_at", "created_at")
    exclude = ("password",)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    list_display = ("id", "purpose", "login", "phone", "created_at", "expires_at", "attempts", "used_at")
    list_filter = ("purpose",)
    search_fields = ("login", "phone")
    readonly_fields = [f.name for f in OneTimeCode._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
