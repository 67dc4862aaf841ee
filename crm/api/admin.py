"""Admin for IT: API clients and tokens (create shows the token once; revoke), events and their deliveries (replay)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import scopes as scope_names
from . import services
from .models import ApiClient, ApiToken, Event, EventDelivery, HubSubscription


class ApiClientAddForm(forms.ModelForm):
    """Adding a client issues its first token (through the service, so it is hashed and audited)."""

    scope_choices = forms.MultipleChoiceField(
        label=_("scopes"), choices=[(s, s) for s in (scope_names.ALL, *sorted(scope_names.SCOPES))]
    )

    class Meta:
        model = ApiClient
        fields = ["name"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "scopes", "is_active", "created_at")
    search_fields = ("name",)
    readonly_fields = ("user", "scopes", "created_at")
    actions = ["issue_token"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiClientAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "scope_choices"] if obj is None else ["name", "user", "scopes", "is_active", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, raw = services.api_token_create(
            client_name=form.cleaned_data["name"], scopes=form.cleaned_data["scope_choices"], created_by=request.user
        )
        obj.pk = token.client.pk  # the admin redirects to the client the service created
        messages.warning(
            request,
            _("New token for %(client)s (copy it now, it is not shown again): %(token)s")
            % {"client": token.client.name, "token": raw},
        )

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

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
