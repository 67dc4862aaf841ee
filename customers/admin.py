"""Admin screens for IT over parties, customers and billing accounts (staff use the customer pages)."""

from django.contrib import admin

from .models import (
    AccountVisit,
    BillingAccount,
    CommunicationPlan,
    ContactMedium,
    Customer,
    CustomerImport,
    KeyAccountContract,
    Party,
    ServiceLevelChange,
    ServiceLevelThreshold,
)


class ContactMediumInline(admin.TabularInline):
    model = ContactMedium
    extra = 0
    raw_id_fields = ("region", "area", "grid")


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "name", "gender", "industry")
    list_filter = ("kind",)
    search_fields = ("=id_number", "=credit_code", "name")
    inlines = [ContactMediumInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("customer_no", "party", "customer_class", "status", "service_level", "region")
    list_filter = ("customer_class", "status", "service_level", "region")
    search_fields = ("=customer_no",)
    raw_id_fields = ("party", "account_manager", "area", "grid")
    list_select_related = ("party", "region")


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    list_display = ("account_no", "customer", "balance", "credit_limit", "arrears_amount", "status")
    list_filter = ("status", "payment_method")
    search_fields = ("=account_no",)
    raw_id_fields = ("customer",)
    list_select_related = ("customer", "customer__party")


@admin.register(ServiceLevelThreshold)
class ServiceLevelThresholdAdmin(admin.ModelAdmin):
    """The level table (服务等级标准): what each level needs; the monthly job reads it."""

    list_display = ("customer_class", "level", "rank", "min_avg_monthly_spend", "min_tenure_months",
                    "min_credit_rating", "max_arrears", "updated_at")  # fmt: skip
    list_editable = ("min_avg_monthly_spend", "min_tenure_months", "min_credit_rating", "max_arrears")
    list_filter = ("customer_class",)
    ordering = ("customer_class", "-rank")


@admin.register(ServiceLevelChange)
class ServiceLevelChangeAdmin(admin.ModelAdmin):
    list_display = ("changed_at", "customer", "from_level", "to_level", "source", "actor", "reason")
    list_filter = ("source", "to_level")
    raw_id_fields = ("customer", "actor")
    list_select_related = ("customer", "customer__party", "actor")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # history is written by the level services only


@admin.register(KeyAccountContract)
class KeyAccountContractAdmin(admin.ModelAdmin):
    list_display = ("contract_no", "customer", "title", "start_date", "end_date", "value", "sla_level", "status")
    list_filter = ("status", "sla_level")
    search_fields = ("=contract_no", "title")
    raw_id_fields = ("customer", "signed_by")
    list_select_related = ("customer", "customer__party")


@admin.register(AccountVisit)
class AccountVisitAdmin(admin.ModelAdmin):
    list_display = ("visited_at", "customer", "visitor", "kind", "purpose")
    list_filter = ("kind",)
    raw_id_fields = ("customer", "visitor")
    list_select_related = ("customer", "customer__party", "visitor")


@admin.register(CommunicationPlan)
class CommunicationPlanAdmin(admin.ModelAdmin):
    list_display = ("customer", "topic", "channel", "frequency", "next_due_on", "owner", "is_active")
    list_filter = ("frequency", "channel", "is_active")
    raw_id_fields = ("customer", "owner")
    list_select_related = ("customer", "customer__party", "owner")


@admin.register(CustomerImport)
class CustomerImportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "file_name", "kind", "status", "total_rows", "valid_rows", "imported_rows",
                    "created_by")  # fmt: skip
    list_filter = ("kind", "status")
    exclude = ("content",)
    readonly_fields = [f.name for f in CustomerImport._meta.fields if f.name != "content"]
