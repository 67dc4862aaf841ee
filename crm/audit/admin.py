"""The audit log in the admin: read-only, searchable."""

from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor_repr",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "channel",
        "ip",
        "request_id",
    )
    list_filter = ("action", "channel", "object_type")
    search_fields = ("actor_repr", "object_id", "object_repr", "request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
