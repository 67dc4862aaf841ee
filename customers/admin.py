"""Admin screens for IT over parties, customers and billing accounts (staff use the customer pages)."""

from django.contrib import admin

from .models import BillingAccount, ContactMedium, Customer, Party


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
