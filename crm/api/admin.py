"""Admin for IT: API clients and tokens (create shows the token once; revoke), events and their deliveries (replay)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiClient, ApiToken, Event, EventDelivery, HubSubscription


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "scopes", "is_active", "created_at")
    search_fields = ("name",)
    readonly_fields = ("user", "created_at")
    actions = ["issue_token"]

    def has_add_permission(self, request):
        return False  # clients come with their first token: use "issue a new token" or create_api_token

    @admin.action(description=_("Issue a new token (shown once)"))
    def issue_token(self, request, queryset):
        for client in queryset:
            _token, raw = services.api_token_create(
                client_name=client.name, scopes=client.scopes, created_by=request.user
            )
            messages.warning(
                request,
                _("New token for %(client)s (copy it now, it is not shown again): %(token)s")
                % {"client": client.name, "token": raw},
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("client", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("client",)
    readonly_fields = ("client", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token_id=token.pk, actor=request.user)
        messages.success(request, _("Revoked %(count)d token(s).") % {"count": queryset.count()})


@admin.register(HubSubscription)
class HubSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("id", "api_name", "callback", "query", "owner", "created_at")
    list_filter = ("api_name",)


class EventDeliveryInline(admin.TabularInline):
    model = EventDelivery
    extra = 0
    can_delete = False
    readonly_fields = ("subscription", "status", "attempts", "last_status_code", "last_error", "delivered_at")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("event_time", "api_name", "event_type", "event_id")
    list_filter = ("api_name", "event_type")
    inlines = [EventDeliveryInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
    )
    list_filter = ("status", "event__api_name", "event__event_type")
    list_select_related = ("event", "subscription")
    actions = ["replay"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Replay the selected deliveries"))
    def replay(self, request, queryset):
        for delivery in queryset:
            services.event_delivery_replay(delivery_id=delivery.pk, actor=request.user)
        messages.success(request, _("Queued %(count)d deliveries again.") % {"count": queryset.count()})
