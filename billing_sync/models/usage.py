"""Usage records (详单, TMF635 Usage) and the monthly and daily totals per subscription kept as they load.

On PostgreSQL ``UsageRecord`` is a table partitioned by month of ``started_at`` (see the migration and
``billing_sync.services.partitions``); its primary key there is (id, started_at). Records are never updated."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UsageType(models.TextChoices):
    VOICE = "voice", _("Voice (语音)")
    SMS = "sms", _("SMS (短信)")
    DATA = "data", _("Data (流量)")


class Roaming(models.TextChoices):
    NONE = "none", _("Not roaming")
    DOMESTIC = "domestic", _("Domestic roaming (国内漫游)")
    INTERNATIONAL = "international", _("International roaming (国际漫游)")


class UsageRecord(models.Model):
    """One call, message or data session of a subscription, as rated by billing (话单)."""

    Type = UsageType

    id = models.BigAutoField(primary_key=True)
    record_key = models.CharField(_("record key"), max_length=64)
    started_at = models.DateTimeField(_("start time"))
    # No database foreign keys on this table: COPY speed, and partitions are dropped by month.
    account = models.ForeignKey(
        "customers.BillingAccount", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False,
        verbose_name=_("account"),
    )  # fmt: skip
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False,
        verbose_name=_("customer"),
    )  # fmt: skip
    product = models.ForeignKey(
        "orders.Product", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False,
        verbose_name=_("subscription"),
    )  # fmt: skip
    service_number = models.CharField(_("service number"), max_length=32)
    usage_type = models.CharField(_("type"), max_length=8, choices=UsageType.choices)
    outgoing = models.BooleanField(_("outgoing"), default=True)
    other_number = models.CharField(_("other party"), max_length=32, blank=True)
    duration_s = models.PositiveIntegerField(_("duration (s)"), default=0)
    volume_kb = models.PositiveBigIntegerField(_("volume (KB)"), default=0)
    cell_id = models.CharField(_("cell"), max_length=20, blank=True)
    roaming = models.CharField(_("roaming"), max_length=16, choices=Roaming.choices, default=Roaming.NONE)
    charge = models.DecimalField(_("charge"), max_digits=10, decimal_places=2, default=0)
    batch_id = models.BigIntegerField(_("batch"), null=True, blank=True)

    class Meta:
        verbose_name = _("usage record (详单)")
        verbose_name_plural = _("usage records")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["record_key", "started_at"], name="usage_record_once"),
        ]
        indexes = [
            models.Index(fields=["product", "started_at"], name="usage_product_time_idx"),
            models.Index(fields=["account", "started_at"], name="usage_account_time_idx"),
            # The fraud check of one usage batch as it loads (analytics.fraud.services.fraud_batch_check).
            models.Index(fields=["batch_id"], name="usage_batch_idx", condition=models.Q(batch_id__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.record_key


class UsageMonthly(models.Model):
    """A subscription's usage in one month (月使用量), added to as records load: the 360 trend and the features."""

    # No index of their own: (product, month) is unique and (customer, -month) below serves reads by customer. Tens of
    # millions of rows at a million customers: each index is written by every load.
    product = models.ForeignKey(
        "orders.Product", on_delete=models.CASCADE, related_name="usage_months", verbose_name=_("subscription"),
        db_index=False,
    )  # fmt: skip
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="usage_months", verbose_name=_("customer"),
        db_index=False,
    )  # fmt: skip
    account = models.ForeignKey(
        "customers.BillingAccount", on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    month = models.DateField(_("month"))
    voice_calls = models.PositiveIntegerField(_("calls"), default=0)
    voice_seconds = models.PositiveBigIntegerField(_("call seconds"), default=0)
    sms_count = models.PositiveIntegerField(_("messages"), default=0)
    data_kb = models.PositiveBigIntegerField(_("data (KB)"), default=0)
    roaming_records = models.PositiveIntegerField(_("roaming records"), default=0)
    charge = models.DecimalField(_("charge"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("monthly usage (月使用量)")
        verbose_name_plural = _("monthly usage")
        ordering = ["product", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["product", "month"], name="usage_month_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="usage_month_first_day"),
        ]
        indexes = [models.Index(fields=["customer", "-month"], name="usage_month_customer_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.month:%Y-%m}"


class UsageDaily(models.Model):
    """A subscription's outbound calls in one local day (日用量汇总), added to as records load: the fraud baseline.

    Only days with an outbound call have a row (about one in eight of the records at the demo's density): the 28-day
    baseline of the daily fraud run reads these instead of four weeks of records. No database foreign key, as on the
    records it sums (see ``billing_sync.services.usage_daily``)."""

    product = models.ForeignKey(
        "orders.Product", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False,
        verbose_name=_("subscription"),
    )  # fmt: skip
    day = models.DateField(_("day"))
    voice_out_calls = models.PositiveIntegerField(_("outbound calls"), default=0)
    voice_out_seconds = models.PositiveBigIntegerField(_("outbound call seconds"), default=0)

    class Meta:
        verbose_name = _("daily usage (日用量汇总)")
        verbose_name_plural = _("daily usage")
        ordering = ["product", "-day"]
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="usage_day_once")]
        # The daily run reads a window of days for a chunk of customers: rows come in day by day, so the window's rows
        # lie together whatever the retention (the unique key's index serves a batch's few lines).
        indexes = [models.Index(fields=["day"], name="usage_day_day_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.day:%Y-%m-%d}"
