"""Admin screens for IT to maintain the product catalog, and to look up product instances."""

from django.contrib import admin

from .models import (
    Product,
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
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
