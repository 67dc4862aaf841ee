"""Bills with their items (TMF678), payments (TMF676) and account balances (TMF666) as billing reports them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Region
from customers.models import BillingAccount, Customer


class CustomerBill(models.Model):
    """A monthly bill of a billing account (账单, TMF678 CustomerBill). Billing rates it; the CRM tracks payment."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        SENT = "sent", _("Sent")
        PARTIALLY_PAID = "partiallyPaid", _("Partially paid")
        SETTLED = "settled", _("Settled")
        ON_HOLD = "onHold", _("On hold")

    bill_no = models.CharField(_("bill number"), max_length=40, unique=True)
    # No index of their own: (account, -period_start) and (customer, -period_start) below serve every read by either.
    account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="bills", verbose_name=_("account"), db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="bills", verbose_name=_("customer"), db_index=False
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    bill_date = models.DateField(_("bill date"))
    due_date = models.DateField(_("due date"))
    amount_due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField(_("tax"), max_digits=12, decimal_places=2, default=0)
    amount_paid = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2, default=0)
    written_off = models.DecimalField(_("written off"), max_digits=12, decimal_places=2, default=0)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SENT)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    batch = models.ForeignKey(
        "billing_sync.FeedBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("bill (账单)")
        verbose_name_plural = _("bills")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="bill_amount_due_not_negative"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0, written_off__gte=0), name="bill_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_paid__lte=F("amount_due") - F("written_off")), name="bill_not_overpaid"
            ),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="bill_period_order"),
            models.CheckConstraint(condition=Q(due_date__gte=F("bill_date")), name="bill_due_after_bill_date"),
            models.CheckConstraint(
                condition=Q(state__in=["new", "sent", "partiallyPaid", "settled", "onHold"]), name="bill_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-period_start"], name="bill_account_period_idx"),
            models.Index(fields=["customer", "-period_start"], name="bill_customer_period_idx"),
            models.Index(fields=["due_date"], name="bill_open_due_idx", condition=~Q(state="settled")),
        ]

    def __str__(self) -> str:
        return self.bill_no

    @property
    def outstanding(self):
        return self.amount_due - self.amount_paid - self.written_off


class BillItem(models.Model):
    """One charge on a bill (费用明细, TMF678 AppliedCustomerBillingRate): a monthly fee, usage, a discount…"""

    class RateType(models.TextChoices):
        RECURRING = "recurring", _("Monthly fee (月租)")
        USAGE = "usage", _("Usage (通信费)")
        ONE_TIME = "oneTime", _("One-off charge (一次性费用)")
        DISCOUNT = "discount", _("Discount (优惠)")
        ADJUSTMENT = "adjustment", _("Adjustment (调账)")
        LATE_FEE = "lateFee", _("Late fee (滞纳金)")

    bill = models.ForeignKey(  # no index of its own: (bill, item_no) is unique
        CustomerBill, on_delete=models.CASCADE, related_name="items", verbose_name=_("bill"), db_index=False
    )
    item_no = models.PositiveSmallIntegerField(_("item"))
    product = models.ForeignKey(
        "orders.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    service_number = models.CharField(_("service number"), max_length=32, blank=True)
    rate_type = models.CharField(_("type"), max_length=16, choices=RateType.choices)
    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("bill item (费用明细)")
        verbose_name_plural = _("bill items")
        ordering = ["bill", "item_no"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "item_no"], name="bill_item_once"),
            models.CheckConstraint(
                condition=Q(rate_type__in=["recurring", "usage", "oneTime", "discount", "adjustment", "lateFee"]),
                name="bill_item_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}#{self.item_no} {self.name}"


class Payment(models.Model):
    """Money received for an account (缴费, TMF676 Payment), at the counter, on the portal, or reported by billing.

    A payment pays the oldest open bills first; what is left tops the balance up. ``allocations`` keeps which bills
    it paid ([{"bill": bill_no, "amount": "12.30"}]) for the receipt."""

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Business hall counter")
        PORTAL = "portal", _("Web portal")
        HOTLINE = "hotline", _("10000 hotline")
        BANK = "bank", _("Bank")
        AGENT = "agent", _("Agent outlet")
        BILLING = "billing", _("Billing system")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        BANK_CARD = "bank_card", _("Bank card")
        QR = "qr", _("WeChat / Alipay QR")
        BANK_DEBIT = "bank_debit", _("Bank direct debit")
        ONLINE = "online", _("Online payment")
        VOUCHER = "voucher", _("Top-up voucher")

    class Source(models.TextChoices):
        CRM = "crm", _("Taken by the CRM")
        BILLING = "billing", _("Reported by billing")

    payment_no = models.CharField(_("payment number"), max_length=40, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    account = models.ForeignKey(  # no index of its own: (account, -paid_at) serves it
        BillingAccount, on_delete=models.PROTECT, related_name="payments", verbose_name=_("account"), db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="payments", verbose_name=_("customer")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    allocations = models.JSONField(_("bills paid"), default=list, blank=True)
    to_balance = models.DecimalField(_("to the balance"), max_digits=12, decimal_places=2, default=0)
    # The account right after this payment, for the receipt (a reprint shows what the customer was told).
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2, null=True, blank=True)
    arrears_after = models.DecimalField(_("arrears after"), max_digits=12, decimal_places=2, null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("received by"),
    )  # fmt: skip
    batch = models.ForeignKey(
        "billing_sync.FeedBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment (缴费)")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(to_balance__gte=0), name="payment_to_balance_not_negative"),
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~Q(idempotency_key=""), name="payment_idempotency_key_once"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["counter", "portal", "hotline", "bank", "agent", "billing"]),
                name="payment_channel_valid",
            ),
            models.CheckConstraint(condition=Q(source__in=["crm", "billing"]), name="payment_source_valid"),
        ]
        indexes = [models.Index(fields=["account", "-paid_at"], name="payment_account_idx")]

    def __str__(self) -> str:
        return self.payment_no


class AccountBalance(models.Model):
    """A balance of an account as billing computed it at ``as_of`` (余额, TMF666 AccountBalance).

    The account's own balance is the latest snapshot plus what the CRM took after it."""

    account = models.ForeignKey(
        BillingAccount, on_delete=models.CASCADE, related_name="balance_snapshots", verbose_name=_("account")
    )
    as_of = models.DateTimeField(_("as of"))
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2)
    batch = models.ForeignKey(
        "billing_sync.FeedBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("balance snapshot (余额快照)")
        verbose_name_plural = _("balance snapshots")
        ordering = ["account", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["account", "as_of"], name="balance_snapshot_once")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.as_of:%Y-%m-%d %H:%M} {self.balance}"
