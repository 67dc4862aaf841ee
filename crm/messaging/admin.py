from django.contrib import admin

from .models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "purpose", "status", "gateway", "body")
    list_filter = ("status", "purpose", "gateway")
    search_fields = ("recipient", "body", "gateway_ref")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
