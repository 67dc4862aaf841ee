"""Orders (订单, TMF622 productOrder) taken in any channel, and the ordering rules kept as data: eligibility
thresholds, next-best-offer rules and outlet commissions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Area, Grid, OrgUnit, Region
from customers.models import BillingAccount, Customer

from .catalog import ProductOffering
from .inventory import Product
from .resources import StandardAddress


class OrderType(models.TextChoices):
    """What the customer asks for (业务受理类型)."""

    NEW = "new", _("New installation / subscription (新装)")
    CHANGE = "change", _("Change of offering (变更)")
    MOVE = "move", _("Move to another address (移机)")
    TRANSFER = "transfer", _("Transfer of ownership (过户)")
    SUSPEND = "suspend", _("Suspend (停机)")
    RESUME = "resume", _("Resume (复机)")
    TERMINATE = "terminate", _("Terminate (拆机/注销)")
    VAS_ADD = "vas_add", _("VAS subscribe (增值业务订购)")
    VAS_REMOVE = "vas_remove", _("VAS unsubscribe (增值业务退订)")
    PORT_OUT = "port_out", _("Port out (携号转出)")
    PORT_IN = "port_in", _("Port in (携号转入)")


class SalesChannel(models.TextChoices):
    """Where an order was taken (受理渠道)."""

    OWN_HALL = "own_hall", _("Own business hall")
    PARTNER_HALL = "partner_hall", _("Partner hall")
    AGENT_OUTLET = "agent_outlet", _("Agent outlet")
    HOTLINE = "hotline", _("10000 hotline")
    PORTAL = "portal", _("Web portal")
    API = "api", _("System interface")


class OrderState(models.TextChoices):
    """TMF622 order states."""

    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REJECTED = "rejected", _("Rejected")
    PENDING = "pending", _("Pending")
    HELD = "held", _("Held")
    IN_PROGRESS = "inProgress", _("In progress")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    PARTIAL = "partial", _("Partial")
    ASSESSING_CANCELLATION = "assessingCancellation", _("Assessing cancellation")
    PENDING_CANCELLATION = "pendingCancellation", _("Pending cancellation")


class ProductOrder(models.Model):
    """A customer's order (订单, TMF622 productOrder): what, for whom, where taken, paid, signed and approved."""

    State = OrderState

    class PaymentMethod(models.TextChoices):
        NONE = "", _("Nothing to pay")
        CASH = "cash", _("Cash")
        BANK_CARD = "bank_card", _("Bank card")
        QR = "qr", _("WeChat / Alipay QR")
        ACCOUNT = "account", _("Charged to the account")

    order_no = models.CharField(_("order number"), max_length=20, unique=True)
    order_type = models.CharField(_("order type"), max_length=16, choices=OrderType.choices)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.ACKNOWLEDGED)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer"))
    billing_account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("billing account"),
    )  # fmt: skip
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("subscription concerned"),
    )  # fmt: skip
    offering = models.ForeignKey(
        ProductOffering, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("offering"),
    )  # fmt: skip
    new_owner = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("new owner")
    )
    service_number = models.CharField(_("service number"), max_length=32, blank=True)
    address = models.ForeignKey(
        StandardAddress, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("install address"),
    )  # fmt: skip
    channel = models.CharField(_("channel"), max_length=16, choices=SalesChannel.choices)
    outlet = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("outlet")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="orders_taken",
        verbose_name=_("taken by"),
    )  # fmt: skip
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)  # green channel first
    description = models.CharField(_("notes"), max_length=500, blank=True)
    requested_date = models.DateField(_("requested date"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    # Checks and approvals.
    eligibility = models.JSONField(_("eligibility checks"), default=list, blank=True)  # [{code, ok, reason}]
    arrears_override = models.BooleanField(_("arrears block overridden"), default=False)
    override_reason = models.CharField(_("override reason"), max_length=255, blank=True)
    sensitive_reasons = models.JSONField(_("why a second check is needed"), default=list, blank=True)
    second_checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="orders_checked",
        verbose_name=_("second check by"),
    )  # fmt: skip
    second_checked_at = models.DateTimeField(_("second check at"), null=True, blank=True)
    # Fees, payment and the customer's signature.
    one_off_fee = models.DecimalField(_("one-off fees (yuan)"), max_digits=10, decimal_places=2, default=0)
    paid_amount = models.DecimalField(_("paid (yuan)"), max_digits=10, decimal_places=2, default=0)
    payment_method = models.CharField(_("payment method"), max_length=12, choices=PaymentMethod.choices, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    signature = models.TextField(_("customer signature"), blank=True)  # a PNG data URL drawn on screen
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    authorization_code = models.CharField(_("port-out authorization code"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("order (订单)")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="order_customer_idx"),
            models.Index(fields=["state", "region"], name="order_state_region_idx"),
            models.Index(fields=["outlet", "completed_at"], name="order_outlet_completed_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(order_type__in=OrderType.values), name="order_type_valid"),
            models.CheckConstraint(condition=Q(state__in=OrderState.values), name="order_state_valid"),
            models.CheckConstraint(condition=Q(channel__in=SalesChannel.values), name="order_channel_valid"),
            # A double click or an API retry with the same key finds the first order instead of making a second.
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~Q(idempotency_key=""), name="order_unique_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(one_off_fee__gte=0) & Q(paid_amount__gte=0), name="order_fees_not_negative"
            ),
            # 双人复核: the second check is someone else.
            models.CheckConstraint(
                condition=Q(second_checker__isnull=True)
                | Q(created_by__isnull=True)
                | ~Q(second_checker=F("created_by")),
                name="order_second_checker_is_another",
            ),
            models.CheckConstraint(
                condition=~Q(arrears_override=True) | ~Q(override_reason=""), name="order_override_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state="completed") | Q(completed_at__isnull=False), name="order_completed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.order_no

    @property
    def awaiting_second_check(self) -> bool:
        return bool(self.sensitive_reasons) and self.second_checked_at is None and self.state == "acknowledged"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ORDER_STATES


OPEN_ORDER_STATES = ("acknowledged", "pending", "held", "inProgress", "assessingCancellation", "pendingCancellation")


class ProductOrderItem(models.Model):
    """One line of an order (订单项, TMF622 productOrderItem): the action on one product."""

    class Action(models.TextChoices):
        ADD = "add", _("Add")
        MODIFY = "modify", _("Modify")
        DELETE = "delete", _("Delete")
        NO_CHANGE = "noChange", _("No change")

    order = models.ForeignKey(ProductOrder, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    item_no = models.PositiveSmallIntegerField(_("item"))
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    offering = models.ForeignKey(
        ProductOffering, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("offering")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="order_items",
        verbose_name=_("product"),
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=24, default="acknowledged")

    class Meta:
        verbose_name = _("order item (订单项)")
        verbose_name_plural = _("order items")
        ordering = ["order_id", "item_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "item_no"], name="order_item_unique_no"),
            models.CheckConstraint(condition=Q(action__in=["add", "modify", "delete", "noChange"]), name="item_action"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.item_no} {self.action}"


class OrderingPolicy(models.Model):
    """Eligibility thresholds of a region (受理规则); the row without a region is the province default."""

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    arrears_block_yuan = models.DecimalField(
        _("arrears that block new services (yuan)"), max_digits=10, decimal_places=2, default=50
    )
    port_out_min_months = models.PositiveSmallIntegerField(_("months on the network before porting out"), default=0)

    class Meta:
        verbose_name = _("ordering policy (受理规则)")
        verbose_name_plural = _("ordering policies")
        ordering = ["region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region"], name="ordering_policy_one_default", nulls_distinct=False),
            models.CheckConstraint(condition=Q(arrears_block_yuan__gte=0), name="ordering_policy_arrears"),
        ]

    def __str__(self) -> str:
        return str(self.region or _("Province default"))


class CreditLineLimit(models.Model):
    """How many live lines a credit rating allows (信用度限制): the highest band at or below the rating applies."""

    min_rating = models.PositiveSmallIntegerField(_("from credit rating"), unique=True)
    max_lines = models.PositiveSmallIntegerField(_("maximum live lines"))

    class Meta:
        verbose_name = _("credit line limit (信用度限制)")
        verbose_name_plural = _("credit line limits")
        ordering = ["min_rating"]

    def __str__(self) -> str:
        return f"≥{self.min_rating}: {self.max_lines}"


class NextBestOfferRule(models.Model):
    """A next-best-offer rule (推荐规则): whom an offering fits and the one-line reason to read out."""

    offering = models.ForeignKey(
        ProductOffering, on_delete=models.CASCADE, related_name="nbo_rules", verbose_name=_("offering")
    )
    customer_class = models.CharField(_("customer class"), max_length=16, blank=True)
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    min_monthly_spend = models.DecimalField(
        _("from monthly spend"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_monthly_spend = models.DecimalField(
        _("to monthly spend"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    has_kind = models.CharField(_("has a product of kind"), max_length=16, blank=True)
    lacks_kind = models.CharField(_("lacks a product of kind"), max_length=16, blank=True)
    reason = models.CharField(_("reason (Chinese)"), max_length=120)
    reason_en = models.CharField(_("reason (English)"), max_length=120, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("next-best-offer rule (推荐规则)")
        verbose_name_plural = _("next-best-offer rules")
        ordering = ["-priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_monthly_spend__isnull=True)
                | Q(max_monthly_spend__isnull=True)
                | Q(max_monthly_spend__gte=F("min_monthly_spend")),
                name="nbo_spend_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} · {self.reason}"


class CommissionRule(models.Model):
    """What a partner outlet or agent earns per completed order (佣金规则): by order type and offering."""

    outlet_kind = models.CharField(_("outlet kind"), max_length=32)  # partner_hall, agent_outlet
    order_type = models.CharField(_("order type"), max_length=16, choices=OrderType.choices)
    offering = models.ForeignKey(
        ProductOffering, on_delete=models.CASCADE, null=True, blank=True, related_name="commission_rules",
        verbose_name=_("offering (blank: any)"),
    )  # fmt: skip
    spec_kind = models.CharField(_("product kind (blank: any)"), max_length=16, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("commission rule (佣金规则)")
        verbose_name_plural = _("commission rules")
        ordering = ["outlet_kind", "order_type", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="commission_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(outlet_kind__in=["partner_hall", "agent_outlet"]), name="commission_outlet_kind"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="commission_valid_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_order_type_display()} {self.amount}"


class CommissionEntry(models.Model):
    """A commission earned by an outlet for one completed order (佣金明细), counted in its monthly statement."""

    outlet = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="commissions", verbose_name=_("outlet"))
    order = models.OneToOneField(
        ProductOrder, on_delete=models.PROTECT, related_name="commission", verbose_name=_("order")
    )
    rule = models.ForeignKey(CommissionRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=8, decimal_places=2)
    month = models.DateField(_("month"))  # the first day of the month the order completed in
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("commission entry (佣金明细)")
        verbose_name_plural = _("commission entries")
        ordering = ["-month", "outlet_id", "id"]
        indexes = [models.Index(fields=["month", "outlet"], name="commission_statement_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="commission_entry_not_negative")]

    def __str__(self) -> str:
        return f"{self.outlet} {self.month:%Y-%m} {self.amount}"
