"""Admin screens for the surveys kept as data (questions and dissatisfaction thresholds), and to look up
invitations, their answers and the care tasks."""

from django.contrib import admin

from .models import (
    CareRule,
    CareRuleFiring,
    CareTask,
    ContactPolicy,
    MarketingContact,
    QuietHours,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    fields = ("seq", "text", "kind", "dissatisfied_below")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "trigger", "is_active")
    list_filter = ("trigger", "is_active")
    inlines = [SurveyQuestionInline]


class SurveyAnswerInline(admin.TabularInline):
    model = SurveyAnswer
    extra = 0
    can_delete = False
    fields = ("question", "rating", "yes", "text")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ("id", "survey", "customer", "channel", "status", "satisfied", "region", "sent_at", "answered_at")
    list_filter = ("survey", "channel", "status", "satisfied", "region")
    search_fields = ("customer__customer_no", "work_order__wo_no", "ticket__ticket_no")
    raw_id_fields = ("customer", "work_order", "ticket", "team")
    readonly_fields = ("token", "sent_at", "answered_at", "satisfied")
    list_select_related = ("survey", "customer", "region")
    inlines = [SurveyAnswerInline]


@admin.register(CareTask)
class CareTaskAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "customer", "region", "state", "due_at", "assigned_to", "rule", "done_at")
    list_filter = ("kind", "state", "region", "rule")
    search_fields = ("customer__customer_no", "note")
    raw_id_fields = ("customer", "invitation", "ticket", "assigned_to", "firing")
    list_select_related = ("customer", "region", "assigned_to")


@admin.register(ContactPolicy)
class ContactPolicyAdmin(admin.ModelAdmin):
    list_display = ("channel", "service_level", "max_contacts", "period_days")
    list_filter = ("channel",)
    list_editable = ("max_contacts", "period_days")


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    list_display = ("channel", "start", "end")


@admin.register(MarketingContact)
class MarketingContactAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "channel", "purpose", "campaign_ref", "at", "outcome")
    list_filter = ("channel", "purpose")
    search_fields = ("customer__customer_no", "campaign_ref")
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)
    date_hierarchy = "at"


@admin.register(CareRule)
class CareRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "owner", "due_days", "is_enabled")
    list_filter = ("kind", "owner", "is_enabled")
    search_fields = ("code", "name")


@admin.register(CareRuleFiring)
class CareRuleFiringAdmin(admin.ModelAdmin):
    list_display = ("id", "rule", "customer", "event_key", "fired_at")
    list_filter = ("rule",)
    search_fields = ("customer__customer_no", "event_key")
    raw_id_fields = ("customer",)
    list_select_related = ("rule", "customer")
