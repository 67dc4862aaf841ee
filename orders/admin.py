"""Admin screens for IT to maintain the catalog and the ordering rules kept as data (templates, eligibility,
next-best offers, commissions, network resources), and to look up product instances, orders and work orders."""

from django.contrib import admin

from .models import (
    AccessPoint,
    CommissionEntry,
    CommissionRule,
    CreditLineLimit,
    NextBestOfferRule,
    OrderingPolicy,
    Product,
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductOrder,
    ProductSpecification,
    StandardAddress,
    TeamCoverage,
    WorkOrder,
    WorkOrderStepTemplate,
    WorkOrderTemplate,
)


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "lifecycle_status", "sort_order")
    list_filter = ("lifecycle_status",)
    search_fields = ("code", "name")


@admin.register(ProductCatalog)
class ProductCatalogAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "catalog_type", "lifecycle_status", "valid_from", "valid_to")
    filter_horizontal = ("categories",)


@admin.register(ProductSpecification)
class ProductSpecificationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "grade", "needs_install", "lifecycle_status")
    list_filter = ("kind", "grade", "lifecycle_status")
    search_fields = ("code", "name")


class ProductOfferingPriceInline(admin.TabularInline):
    model = ProductOfferingPrice
    extra = 0


@admin.register(ProductOffering)
class ProductOfferingAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "specification", "is_bundle", "lifecycle_status", "valid_from", "valid_to")
    list_filter = ("is_bundle", "lifecycle_status", "specification__kind", "categories")
    search_fields = ("code", "name")
    filter_horizontal = ("bundled_offerings", "categories")
    inlines = [ProductOfferingPriceInline]
    list_select_related = ("specification",)


@admin.register(ProductOfferingPrice)
class ProductOfferingPriceAdmin(admin.ModelAdmin):
    list_display = ("offering", "name", "price_type", "recurring_period", "amount", "lifecycle_status")
    list_filter = ("price_type", "lifecycle_status")
    search_fields = ("offering__code", "offering__name", "name")
    list_select_related = ("offering",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("product_no", "service_number", "customer", "offering", "status", "start_date", "region")
    list_filter = ("status", "specification__kind", "region")
    search_fields = ("=service_number", "=product_no")
    raw_id_fields = ("customer", "billing_account", "bundle", "area", "grid")
    list_select_related = ("customer", "customer__party", "offering", "region")
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page


class WorkOrderStepTemplateInline(admin.TabularInline):
    model = WorkOrderStepTemplate
    extra = 0
    ordering = ("seq",)


@admin.register(WorkOrderTemplate)
class WorkOrderTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "order_type", "spec_kind", "work_type")
    list_filter = ("order_type", "spec_kind", "work_type")
    inlines = [WorkOrderStepTemplateInline]


@admin.register(OrderingPolicy)
class OrderingPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "arrears_block_yuan", "port_out_min_months")


@admin.register(CreditLineLimit)
class CreditLineLimitAdmin(admin.ModelAdmin):
    list_display = ("min_rating", "max_lines")


@admin.register(NextBestOfferRule)
class NextBestOfferRuleAdmin(admin.ModelAdmin):
    list_display = (
        "offering",
        "reason",
        "customer_class",
        "segment",
        "has_kind",
        "lacks_kind",
        "priority",
        "is_active",
    )
    list_filter = ("is_active", "customer_class", "lacks_kind", "has_kind")
    search_fields = ("offering__name", "reason", "reason_en")
    list_select_related = ("offering",)


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = ("outlet_kind", "order_type", "offering", "spec_kind", "amount", "valid_from", "valid_to")
    list_filter = ("outlet_kind", "order_type", "spec_kind")
    list_select_related = ("offering",)


@admin.register(CommissionEntry)
class CommissionEntryAdmin(admin.ModelAdmin):
    list_display = ("month", "outlet", "order", "amount")
    list_filter = ("month",)
    raw_id_fields = ("outlet", "order", "rule")
    list_select_related = ("outlet", "order")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # entries follow completed orders; rules change, earned commissions do not


@admin.register(AccessPoint)
class AccessPointAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region", "area", "total_ports", "used_ports", "is_active")
    list_filter = ("kind", "region", "is_active")
    search_fields = ("code", "name")
    readonly_fields = ("used_ports",)  # moved only by reservations, never by hand


@admin.register(StandardAddress)
class StandardAddressAdmin(admin.ModelAdmin):
    list_display = ("text", "region", "area", "grid", "access_point", "cable_extension")
    list_filter = ("region", "cable_extension")
    search_fields = ("text",)
    raw_id_fields = ("grid", "access_point")
    list_select_related = ("region", "area", "grid", "access_point")


@admin.register(TeamCoverage)
class TeamCoverageAdmin(admin.ModelAdmin):
    list_display = ("team", "grid")
    list_filter = ("team__region",)
    raw_id_fields = ("team", "grid")
    list_select_related = ("team", "grid")


@admin.register(ProductOrder)
class ProductOrderAdmin(admin.ModelAdmin):
    """Orders are taken and moved on through the counter, the API and the back office; here they are looked up."""

    list_display = ("order_no", "order_type", "state", "customer", "channel", "created_at", "completed_at")
    list_filter = ("state", "order_type", "channel", "region")
    search_fields = ("=order_no", "=customer__customer_no", "=service_number")
    date_hierarchy = "created_at"
    list_select_related = ("customer", "customer__party")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("wo_no", "work_type", "state", "region", "team", "technician", "due_at", "breached_at")
    list_filter = ("state", "work_type", "region")
    search_fields = ("=wo_no", "=order__order_no")
    list_select_related = ("region", "team", "technician")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
