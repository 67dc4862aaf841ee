"""Admin of the arrears policy (phases and rules, editable) and a read-mostly view of the collection records and of
what billing sent (batches, bills, payments).

Cases, tasks and write-offs change through the services (timeline, audit, orders, four eyes); bills and payments come
from billing or the payment service; here they are read."""

from django.contrib import admin

from .models import (
    BillItem,
    CollectionTask,
    CustomerBill,
    DunningAction,
    DunningCase,
    DunningCreditBand,
    DunningPhase,
    DunningRule,
    FeedBatch,
    FeedRejection,
    OnlinePayment,
    Payment,
    WriteOff,
)


@admin.register(DunningPhase)
class DunningPhaseAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "starts_after_days", "send_sms", "remind_every_days", "create_call_task",
                    "suspend_services", "terminate_services", "hand_to_legal")  # fmt: skip
    list_editable = ("starts_after_days", "remind_every_days")
    ordering = ("number",)


@admin.register(DunningRule)
class DunningRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer_class", "service_level", "min_arrears", "grace_days", "automatic_suspension",
                    "automatic_disconnection", "note")  # fmt: skip
    list_filter = ("customer_class", "service_level", "automatic_suspension", "automatic_disconnection")


@admin.register(DunningCreditBand)
class DunningCreditBandAdmin(admin.ModelAdmin):
    list_display = ("__str__", "min_rating", "max_rating", "extra_grace_days", "note")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DunningActionInline(admin.TabularInline):
    model = DunningAction
    fields = ("at", "phase", "kind", "note", "orders", "product_ids", "actor")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DunningCase)
class DunningCaseAdmin(ReadOnlyAdmin):
    list_display = ("pk", "account", "customer", "region", "status", "phase", "arrears", "overdue_since", "exempt",
                    "agency", "assigned_to", "closed_at")  # fmt: skip
    list_filter = ("status", "phase", "exempt", "region")
    search_fields = ("account__account_no", "customer__customer_no", "customer__party__name", "agency")
    list_select_related = ("account", "customer__party", "region", "assigned_to")
    date_hierarchy = "opened_at"
    inlines = [DunningActionInline]


@admin.register(CollectionTask)
class CollectionTaskAdmin(ReadOnlyAdmin):
    list_display = ("pk", "case", "kind", "phase", "region", "assigned_to", "due_at", "state", "outcome", "done_at")
    list_filter = ("state", "kind", "outcome", "region")
    search_fields = ("case__account__account_no", "customer__customer_no")
    list_select_related = ("case", "region", "assigned_to")


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ("pk", "case", "amount", "state", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("state",)
    search_fields = ("case__account__account_no", "reason")
    list_select_related = ("case", "requested_by", "decided_by")


class FeedRejectionInline(admin.TabularInline):
    model = FeedRejection
    fields = ("row_no", "record_key", "field", "code", "reason")
    readonly_fields = fields
    extra = 0
    max_num = 0


@admin.register(FeedBatch)
class FeedBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "sender", "kind", "client_batch_id", "status", "rows_received", "rows_loaded",
                    "rows_duplicate", "rows_rejected", "received_at", "duration_ms")  # fmt: skip
    list_filter = ("kind", "status", "sender")
    search_fields = ("client_batch_id", "file_name")
    date_hierarchy = "received_at"
    inlines = [FeedRejectionInline]


class BillItemInline(admin.TabularInline):
    model = BillItem
    fields = ("item_no", "rate_type", "name", "service_number", "amount")
    readonly_fields = fields
    extra = 0
    max_num = 0


@admin.register(CustomerBill)
class CustomerBillAdmin(ReadOnlyAdmin):
    list_display = ("bill_no", "account", "period_start", "due_date", "amount_due", "amount_paid", "written_off",
                    "state")  # fmt: skip
    list_filter = ("state", "region")
    search_fields = ("=bill_no", "=account__account_no", "=customer__customer_no")
    raw_id_fields = ("account", "customer", "batch")
    inlines = [BillItemInline]
    show_full_result_count = False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("payment_no", "account", "amount", "paid_at", "channel", "method", "source", "to_balance")
    list_filter = ("channel", "method", "source")
    search_fields = ("=payment_no", "=account__account_no", "=customer__customer_no")
    raw_id_fields = ("account", "customer", "batch", "received_by")
    show_full_result_count = False


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "account", "amount", "provider", "state", "transaction_id", "created_at")
    list_filter = ("state", "provider")
    search_fields = ("=reference", "=transaction_id", "=account__account_no")
    raw_id_fields = ("account", "customer", "payment")
