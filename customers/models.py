"""The unified customer (统一客户视图): parties, their contact media, customers and billing accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Area, Grid, Region


class Party(models.Model):
    """A person or an organisation we deal with (TMF632 Individual / Organization) (当事人)."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ORGANIZATION = "organization", _("Organization")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=128)  # full name of a person or the organisation's name
    id_number = models.CharField(_("ID-card number"), max_length=18, null=True, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True)
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set when the person's data was erased at their request (PIPL); name and ID are a pseudonym from then on.
    anonymized_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("party (当事人)")
        verbose_name_plural = _("parties")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["individual", "organization"]), name="party_kind_valid"),
            # A person has an ID-card number and no credit code; an organisation the other way round.
            models.CheckConstraint(
                condition=(Q(kind="individual") & Q(id_number__isnull=False) & Q(credit_code__isnull=True))
                | (Q(kind="organization") & Q(credit_code__isnull=False) & Q(id_number__isnull=True)),
                name="party_identifier_matches_kind",
            ),
            models.UniqueConstraint(fields=["id_number"], name="party_unique_id_number"),
            models.UniqueConstraint(fields=["credit_code"], name="party_unique_credit_code"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactMedium(models.Model):
    """A phone number, e-mail or postal address of a party (联系方式)."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        ADDRESS = "address", _("Postal address")

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contact_media", verbose_name=_("party"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=255)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_preferred = models.BooleanField(_("preferred"), default=False)

    class Meta:
        verbose_name = _("contact medium (联系方式)")
        verbose_name_plural = _("contact media")
        ordering = ["party_id", "kind", "id"]
        indexes = [models.Index(fields=["kind", "value"], name="contact_kind_value_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["phone", "email", "address"]), name="contact_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ServiceLevel(models.TextChoices):
    """Service levels (服务等级): diamond … basic for the public, 1A–5A and 1B–5B for government/enterprise."""

    DIAMOND = "diamond", _("Diamond (钻石)")
    GOLD = "gold", _("Gold (金)")
    SILVER = "silver", _("Silver (银)")
    BASIC = "basic", _("Basic (基础)")
    A1 = "1A", "1A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"
    B1 = "1B", "1B"
    B2 = "2B", "2B"
    B3 = "3B", "3B"
    B4 = "4B", "4B"
    B5 = "5B", "5B"


PUBLIC_LEVELS = ("diamond", "gold", "silver", "basic")


class ActivityGroup(models.TextChoices):
    """High, medium or low: the value and activity groups of segmentation."""

    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Customer(models.Model):
    """A party's role towards the operator (客户): public or key account, with level, scores and consent."""

    class CustomerClass(models.TextChoices):
        PUBLIC = "public", _("Public (公众客户)")
        KEY_ACCOUNT = "key_account", _("Key account (政企客户)")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CHURNED = "churned", _("Churned")

    customer_no = models.CharField(_("customer number"), max_length=20, unique=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="customers", verbose_name=_("party"))
    customer_class = models.CharField(_("class"), max_length=16, choices=CustomerClass.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # No index of its own: (region, status) serves every read by region. Each index of this table is written again
    # by every update that cannot stay on its page (a monthly churn re-score updates every customer).
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="customers", verbose_name=_("region"), db_index=False
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="customers")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="customers")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="key_accounts",
        verbose_name=_("account manager"),
    )
    service_level = models.CharField(_("service level"), max_length=8, choices=ServiceLevel.choices, default="basic")
    service_level_pinned = models.BooleanField(_("level pinned by hand"), default=False)
    service_level_pin_reason = models.CharField(_("reason for the pinned level"), max_length=255, blank=True)
    credit_rating = models.PositiveSmallIntegerField(_("credit rating"), null=True, blank=True)
    value_score = models.DecimalField(_("value score"), max_digits=7, decimal_places=2, null=True, blank=True)
    churn_risk = models.DecimalField(_("churn risk"), max_digits=5, decimal_places=4, null=True, blank=True)
    churn_reasons = models.JSONField(_("churn reasons"), default=list, blank=True)
    segment = models.CharField(_("segment"), max_length=64, blank=True)  # RFM segment (客户细分)
    # Database defaults too: bulk paths (demo COPY, imports) and code of the previous release insert without them.
    value_group = models.CharField(
        _("value group (价值分群)"), max_length=8, choices=ActivityGroup.choices, blank=True, default="", db_default=""
    )
    activity_group = models.CharField(
        _("activity group (活跃度分群)"), max_length=8, choices=ActivityGroup.choices, blank=True, default="",
        db_default="",
    )  # fmt: skip
    behaviour_segment = models.CharField(
        _("usage behaviour (行为分群)"), max_length=120, blank=True, default="", db_default=""
    )
    fraud_flag = models.BooleanField(_("fraud flag"), default=False)
    marketing_opt_outs = models.JSONField(_("marketing opt-outs"), default=list, blank=True)  # channels, e.g. ["sms"]
    since = models.DateField(_("customer since (入网时间)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer (客户)")
        verbose_name_plural = _("customers")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["region", "status"], name="customer_region_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer_class__in=["public", "key_account"]), name="customer_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["prospect", "active", "suspended", "churned"]), name="customer_status_valid"
            ),
            # Public customers take diamond…basic; key accounts the 1A–5B levels.
            models.CheckConstraint(
                condition=(Q(customer_class="public") & Q(service_level__in=PUBLIC_LEVELS))
                | (Q(customer_class="key_account") & ~Q(service_level__in=PUBLIC_LEVELS)),
                name="customer_level_fits_class",
            ),
            models.CheckConstraint(
                condition=Q(churn_risk__isnull=True) | (Q(churn_risk__gte=0) & Q(churn_risk__lte=1)),
                name="customer_churn_risk_probability",
            ),
            models.CheckConstraint(
                condition=Q(service_level_pinned=False) | ~Q(service_level_pin_reason=""),
                name="customer_pinned_level_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_no} {self.party.name}" if self.party_id else self.customer_no


class BillingAccount(models.Model):
    """A billing account of a customer (账户): balance, credit limit, payment method, bill cycle, arrears."""

    class PaymentMethod(models.TextChoices):
        CASH = "cash", _("Cash at the counter")
        BANK_DEBIT = "bank_debit", _("Bank direct debit")
        PREPAID = "prepaid", _("Prepaid")
        ONLINE = "online", _("Online payment")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    account_no = models.CharField(_("account number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("customer")
    )
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2, default=0)
    credit_limit = models.DecimalField(_("credit limit"), max_digits=12, decimal_places=2, default=0)
    arrears_amount = models.DecimalField(_("arrears"), max_digits=12, decimal_places=2, default=0)
    payment_method = models.CharField(_("payment method"), max_length=16, choices=PaymentMethod.choices, default="cash")
    bill_cycle_day = models.PositiveSmallIntegerField(_("bill cycle day"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("billing account (账户)")
        verbose_name_plural = _("billing accounts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="account_credit_limit_not_negative"),
            models.CheckConstraint(condition=Q(arrears_amount__gte=0), name="account_arrears_not_negative"),
            models.CheckConstraint(
                condition=Q(bill_cycle_day__gte=1, bill_cycle_day__lte=28), name="account_bill_cycle_day"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "closed"]), name="account_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.account_no


class PartyInteraction(models.Model):
    """One contact with a customer in any channel (接触记录, TMF683), on the customer's one timeline."""

    class Channel(models.TextChoices):
        HALL = "hall", _("Business hall")
        HOTLINE = "hotline", _("10000 hotline")
        PORTAL = "portal", _("Web portal")
        FIELD = "field", _("Field visit")
        OUTBOUND_CALL = "outbound_call", _("Outbound call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        SYSTEM = "system", _("System")

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.INBOUND)
    interaction_type = models.CharField(_("type"), max_length=32)  # e.g. inquiry, complaint, order, visit, care
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.COMPLETED)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("staff"),
    )  # fmt: skip
    related_entities = models.JSONField(_("related"), default=list, blank=True)  # [{"@referredType", "id"}]
    occurred_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("interaction (接触记录)")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="interaction_timeline_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    channel__in=["hall", "hotline", "portal", "field", "outbound_call", "sms", "email", "system"]
                ),
                name="interaction_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["inbound", "outbound"]), name="interaction_direction_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_channel_display()} {self.interaction_type}"


class MarketingChannel(models.TextChoices):
    """Channels a customer can opt out of for marketing (营销免打扰)."""

    SMS = "sms", _("SMS")
    OUTBOUND_CALL = "outbound_call", _("Outbound call")
    EMAIL = "email", _("E-mail")
    APP_PUSH = "app_push", _("App notification")
    PORTAL = "portal", _("Offers in the online service hall")


class ServiceLevelThreshold(models.Model):
    """One row of the level table (服务等级标准): the conditions a customer must meet for a level.

    Levels are tried from the highest rank down; the first row whose conditions hold is the level.
    """

    customer_class = models.CharField(_("class"), max_length=16, choices=Customer.CustomerClass.choices)
    level = models.CharField(_("service level"), max_length=8, choices=ServiceLevel.choices)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("Higher ranks are tried first."))
    min_avg_monthly_spend = models.DecimalField(_("minimum average monthly spend (6 months)"), max_digits=10,
                                                decimal_places=2, default=0)  # fmt: skip
    min_tenure_months = models.PositiveSmallIntegerField(_("minimum tenure (months)"), default=0)
    min_credit_rating = models.PositiveSmallIntegerField(_("minimum credit rating"), null=True, blank=True)
    max_arrears = models.DecimalField(_("maximum arrears"), max_digits=10, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service level threshold (服务等级标准)")
        verbose_name_plural = _("service level thresholds")
        ordering = ["customer_class", "-rank"]
        constraints = [
            models.UniqueConstraint(fields=["customer_class", "level"], name="level_threshold_unique_level"),
            models.UniqueConstraint(fields=["customer_class", "rank"], name="level_threshold_unique_rank"),
            models.CheckConstraint(
                condition=Q(min_avg_monthly_spend__gte=0), name="level_threshold_spend_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(customer_class="public") & Q(level__in=PUBLIC_LEVELS))
                | (Q(customer_class="key_account") & ~Q(level__in=PUBLIC_LEVELS)),
                name="level_threshold_fits_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_customer_class_display()} {self.level}"


class ServiceLevelChange(models.Model):
    """A change of a customer's level, computed or pinned by hand (服务等级变更记录)."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Monthly recomputation")
        PINNED = "pinned", _("Pinned by a manager")
        UNPINNED = "unpinned", _("Pin released")
        IMPORTED = "imported", _("Imported")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="level_changes", verbose_name=_("customer")
    )
    from_level = models.CharField(_("from"), max_length=8, choices=ServiceLevel.choices, blank=True)
    to_level = models.CharField(_("to"), max_length=8, choices=ServiceLevel.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("service level change (等级变更)")
        verbose_name_plural = _("service level changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"], name="level_change_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_level} → {self.to_level}"


class KeyAccountContract(models.Model):
    """A contract with a government/enterprise customer (合同): term, value and the SLA level agreed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("In force")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    contract_no = models.CharField(_("contract number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    title = models.CharField(_("title"), max_length=200)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    value = models.DecimalField(_("contract value (yuan)"), max_digits=14, decimal_places=2)
    sla_level = models.CharField(_("SLA level"), max_length=8, choices=ServiceLevel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    remind_days_before_end = models.PositiveSmallIntegerField(_("remind days before the end"), default=60)
    reminded_at = models.DateTimeField(_("renewal reminder sent"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("signed by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract (合同)")
        verbose_name_plural = _("contracts")
        ordering = ["end_date", "id"]
        indexes = [models.Index(fields=["status", "end_date"], name="contract_status_end_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(value__gte=0), name="contract_value_not_negative"),
            models.CheckConstraint(condition=~Q(sla_level__in=PUBLIC_LEVELS), name="contract_sla_is_key_level"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "expired", "terminated"]), name="contract_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_no} {self.title}"


class AccountVisit(models.Model):
    """A visit to a key account (走访记录) by its account manager: when, how, what was discussed, next steps."""

    class Kind(models.TextChoices):
        ON_SITE = "on_site", _("On-site visit")
        PHONE = "phone", _("Phone call")
        MEETING = "meeting", _("Meeting at our office")
        ONLINE = "online", _("Online meeting")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="visits", verbose_name=_("customer"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_visits", verbose_name=_("visitor")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ON_SITE)
    visited_at = models.DateTimeField(_("time"))
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    next_visit_on = models.DateField(_("next visit"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit record (走访记录)")
        verbose_name_plural = _("visit records")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["customer", "-visited_at"], name="visit_customer_idx")]

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d} {self.purpose}"


class CommunicationPlan(models.Model):
    """How and how often we keep in touch with a key account (客户通信方案)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="communication_plans", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="communication_plans", verbose_name=_("owner")
    )
    topic = models.CharField(_("topic"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=PartyInteraction.Channel.choices)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    next_due_on = models.DateField(_("next due"))
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("communication plan (客户通信方案)")
        verbose_name_plural = _("communication plans")
        ordering = ["next_due_on", "id"]

    def __str__(self) -> str:
        return self.topic


class CustomerImport(models.Model):
    """A CSV/Excel upload of customers, accounts or subscriptions, validated first (dry run), then applied."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        ACCOUNTS = "accounts", _("Billing accounts")
        SUBSCRIPTIONS = "subscriptions", _("Subscriptions")

    class Status(models.TextChoices):
        VALIDATED = "validated", _("Validated (dry run)")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Rejected")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("file digest"), max_length=64)
    content = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALIDATED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    imported_rows = models.PositiveIntegerField(_("imported rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)  # [{"row", "column", "reason"}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer import (客户导入)")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_rows__lte=F("total_rows")), name="import_valid_within_total"),
            models.CheckConstraint(
                condition=Q(imported_rows__lte=F("valid_rows")), name="import_imported_within_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"


class BlacklistEntry(models.Model):
    """An identity barred from new services (黑名单): fraud, bad debt or a court order, until a date or for good."""

    class Reason(models.TextChoices):
        FRAUD = "fraud", _("Fraud")
        BAD_DEBT = "bad_debt", _("Bad debt (恶意欠费)")
        LEGAL = "legal", _("Legal order")

    identifier = models.CharField(_("ID-card number or credit code"), max_length=32, db_index=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("blacklist entry (黑名单)")
        verbose_name_plural = _("blacklist")
        ordering = ["-added_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=["fraud", "bad_debt", "legal"]), name="blacklist_reason")
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.get_reason_display()}"
