"""Admin screens for the surveys kept as data (questions and dissatisfaction thresholds), and to look up
invitations, their answers and the care tasks."""

from django.contrib import admin

from .models import CareTask, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion


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
    list_display = ("id", "kind", "customer", "region", "state", "due_at", "assigned_to", "done_at")
    list_filter = ("kind", "state", "region")
    search_fields = ("customer__customer_no", "note")
    raw_id_fields = ("customer", "invitation", "ticket", "assigned_to")
    list_select_related = ("customer", "region", "assigned_to")
