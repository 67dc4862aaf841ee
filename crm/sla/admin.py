"""Admin screens for the time-limit table, the holiday calendar and (read-only) the breach records."""

from django.contrib import admin

from .models import CalendarDay, ServiceLimit, SlaBreach


@admin.register(ServiceLimit)
class ServiceLimitAdmin(admin.ModelAdmin):
    """The time-limit table (时限标准): the business edits limits here, not in code."""

    list_display = ("name", "work_type", "area_kind", "service_level", "variant", "clock", "response_minutes",
                    "resolution_minutes", "warn_fraction", "target_percent", "priority", "is_active")  # fmt: skip
    list_filter = ("work_type", "clock", "area_kind", "service_level", "is_active")
    search_fields = ("name", "work_type", "variant", "source")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and make-up working days (节假日/调休), entered each year after the State Council announces them."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)


@admin.register(SlaBreach)
class SlaBreachAdmin(admin.ModelAdmin):
    list_display = ("breached_at", "work_type", "kind", "region", "due_at", "finished_at", "limit", "content_type",
                    "object_id")  # fmt: skip
    list_filter = ("kind", "work_type", "region")
    date_hierarchy = "breached_at"
    list_select_related = ("region", "limit", "content_type")

    def has_add_permission(self, request) -> bool:
        return False  # breaches are recorded by the SLA services only

    def has_change_permission(self, request, obj=None) -> bool:
        return False
