"""Admin of the call centre's reference data (reason codes, knowledge) and a read-mostly view of its records."""

from django.contrib import admin

from .models import Callback, KnowledgeArticle, KnowledgeCategory, Outage, ReasonCategory, TroubleTicket


@admin.register(ReasonCategory)
class ReasonCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "interaction_type", "parent", "sort_order", "is_active")
    list_filter = ("interaction_type", "is_active")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(TroubleTicket)
class TroubleTicketAdmin(admin.ModelAdmin):
    """Tickets change through the services (lifecycle, SLA clock, ownership); here they are only read."""

    list_display = ("ticket_no", "ticket_type", "severity", "status", "customer", "owner", "due_at", "regulator_risk")
    list_filter = ("status", "ticket_type", "severity", "regulator_risk", "region")
    search_fields = ("ticket_no", "customer__customer_no", "customer__party__name")
    list_select_related = ("customer__party", "owner")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ("outage_no", "title", "region", "area", "access_point", "status", "started_at", "resolved_at")
    list_filter = ("status", "region")
    search_fields = ("outage_no", "title")
    list_select_related = ("region", "area", "access_point")
    readonly_fields = ("outage_no", "parent_ticket", "declared_by", "started_at", "resolved_at")
    raw_id_fields = ("access_point",)


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = ("phone", "customer", "agent", "due_at", "state", "done_at", "escalated_at")
    list_filter = ("state",)
    search_fields = ("phone", "customer__customer_no")
    list_select_related = ("customer__party", "agent")
    raw_id_fields = ("customer", "ticket", "agent")


@admin.register(KnowledgeCategory)
class KnowledgeCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order")


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "is_published", "is_public", "views", "updated_at")
    list_filter = ("category", "is_published", "is_public")
    search_fields = ("title", "keywords")
    filter_horizontal = ("reasons",)
    readonly_fields = ("views", "updated_by", "updated_at")
