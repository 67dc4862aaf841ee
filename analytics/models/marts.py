"""Aggregate tables (数据集市) behind the manager dashboards: refreshed by Celery jobs from the operational tables, so a
dashboard never scans raw usage or every work order on a page view. Each row is one period × dimensions with its
measures; a refresh replaces the periods it covers. ``MartRefresh`` says when each table was last refreshed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def _count(label: str) -> models.BigIntegerField:
    return models.BigIntegerField(label, default=0)


def _amount(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=16, decimal_places=2, default=0)


def _dim(label: str, length: int = 32) -> models.CharField:
    # Dimension values are never NULL ('' = none), so unique constraints treat "no value" as one value.
    return models.CharField(label, max_length=length, blank=True, default="", db_default="")


def _region() -> models.IntegerField:
    return models.IntegerField(_("region"), null=True, db_index=True)


class MartRow(models.Model):
    """An aggregate row: its period and dimensions say what it is."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        period = getattr(self, "day", None) or getattr(self, "month", None) or getattr(self, "as_of", None)
        return f"{self._meta.model_name} {period} #{self.pk}"


class MartRefresh(models.Model):
    """When an aggregate table was last refreshed, over which periods, how many rows, and how long it took."""

    mart = models.CharField(_("aggregate table"), max_length=40, unique=True)
    refreshed_at = models.DateTimeField(_("refreshed"))
    period_from = models.DateField(_("from"), null=True)
    period_to = models.DateField(_("to"), null=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("aggregate refresh (集市刷新)")
        verbose_name_plural = _("aggregate refreshes")
        ordering = ["mart"]

    def __str__(self) -> str:
        return f"{self.mart} @ {self.refreshed_at:%Y-%m-%d %H:%M}"


class WorkOrderDaily(MartRow):
    """Work orders per day, region, grid, team, contractor and work type (运营监控): intake, completion, time limits."""

    day = models.DateField(_("day"))
    region_id = _region()
    grid_id = models.IntegerField(_("grid"), null=True)
    team_id = models.IntegerField(_("team"), null=True)
    contractor_id = models.IntegerField(_("outsourced company"), null=True)
    work_type = _dim(_("work type"))
    created = _count(_("created"))
    completed = _count(_("completed"))
    completed_on_time = _count(_("completed on time"))
    breached = _count(_("breached"))
    handling_minutes = _count(_("handling minutes (sum)"))
    open_at_end = _count(_("open at the end of the day"))

    class Meta:
        verbose_name = _("work orders per day (工单日汇总)")
        verbose_name_plural = _("work orders per day")
        ordering = ["day", "region_id"]
        indexes = [models.Index(fields=["region_id", "day"], name="mart_wo_region_day_idx")]


class TicketDaily(MartRow):
    """Trouble tickets per day, region, grid, type, category and channel: opened, resolved, late, regulator, repeat."""

    day = models.DateField(_("day"))
    region_id = _region()
    grid_id = models.IntegerField(_("grid"), null=True)
    ticket_type = _dim(_("type"), 20)
    category = _dim(_("category"), 64)
    channel = _dim(_("channel"), 16)
    product_line = _dim(_("product line"), 16)
    opened = _count(_("opened"))
    resolved = _count(_("resolved"))
    breached = _count(_("late"))
    repeat = _count(_("repeat (same customer within 30 days)"))
    regulator = _count(_("regulator complaints or risk"))

    class Meta:
        verbose_name = _("tickets per day (工单日汇总)")
        verbose_name_plural = _("tickets per day")
        ordering = ["day", "region_id"]
        indexes = [models.Index(fields=["region_id", "day"], name="mart_ticket_region_day_idx")]


class BacklogAgeing(MartRow):
    """Open work orders by age at a moment (积压账龄), per region, grid, team and work type."""

    as_of = models.DateField(_("as of"))
    region_id = _region()
    grid_id = models.IntegerField(_("grid"), null=True)
    team_id = models.IntegerField(_("team"), null=True)
    work_type = _dim(_("work type"))
    age_bucket = _dim(_("age"), 16)  # "<1d", "1-3d", "3-7d", ">7d"
    open_items = _count(_("open"))
    late_items = _count(_("past their time limit"))

    class Meta:
        verbose_name = _("backlog ageing (积压账龄)")
        verbose_name_plural = _("backlog ageing")
        ordering = ["as_of", "region_id"]


class CustomerBaseMonthly(MartRow):
    """Customers at a month's end by region, class, level, segment, value and activity group; adds and churn."""

    month = models.DateField(_("month"))
    region_id = _region()
    customer_class = _dim(_("class"), 16)
    service_level = _dim(_("level"), 8)
    segment = _dim(_("segment"), 64)
    value_group = _dim(_("value group"), 8)
    activity_group = _dim(_("activity group"), 8)
    customers = _count(_("customers"))
    added = _count(_("new in the month"))
    churned = _count(_("churned in the month"))

    class Meta:
        verbose_name = _("customer base per month (客户规模)")
        verbose_name_plural = _("customer base per month")
        ordering = ["month", "region_id"]


class LevelMigrationMonthly(MartRow):
    """Service-level changes in a month (等级迁移): how many customers moved from one level to another."""

    month = models.DateField(_("month"))
    region_id = _region()
    from_level = _dim(_("from"), 8)
    to_level = _dim(_("to"), 8)
    customers = _count(_("customers"))

    class Meta:
        verbose_name = _("level migration per month (等级迁移)")
        verbose_name_plural = _("level migration per month")
        ordering = ["month", "region_id"]


class SatisfactionMonthly(MartRow):
    """Survey results per month, region, product line and team (满意度): answered, satisfied, ratings."""

    month = models.DateField(_("month"))
    region_id = _region()
    product_line = _dim(_("product line"), 16)
    team_id = models.IntegerField(_("team"), null=True)
    source = _dim(_("after"), 16)  # "ticket", "work_order", "other"
    invited = _count(_("invited"))
    answered = _count(_("answered"))
    satisfied = _count(_("satisfied"))
    rating_sum = _count(_("sum of ratings"))
    ratings = _count(_("ratings"))

    class Meta:
        verbose_name = _("satisfaction per month (满意度)")
        verbose_name_plural = _("satisfaction per month")
        ordering = ["month", "region_id"]


class RevenueMonthly(MartRow):
    """Billed revenue per month by region, level, product kind, offering and sales channel (财务分析)."""

    month = models.DateField(_("month"))
    region_id = _region()
    service_level = _dim(_("level"), 8)
    product_kind = _dim(_("product kind"), 16)
    offering_code = _dim(_("offering"), 40)
    channel = _dim(_("sales channel"), 16)
    revenue = _amount(_("revenue"))
    customers = _count(_("customers billed"))
    subscriptions = _count(_("subscriptions billed"))

    class Meta:
        verbose_name = _("revenue per month (收入)")
        verbose_name_plural = _("revenue per month")
        ordering = ["month", "region_id"]


class ArrearsMonthly(MartRow):
    """Arrears at a month's end by region and age bucket, with what was billed, collected and written off (欠费账龄)."""

    month = models.DateField(_("month"))
    region_id = _region()
    age_bucket = _dim(_("age"), 16)  # "0-30", "31-60", "61-90", "91-180", ">180"
    accounts = _count(_("accounts"))
    arrears = _amount(_("arrears"))
    billed = _amount(_("billed in the month"))
    collected = _amount(_("collected by the due date"))
    written_off = _amount(_("written off"))
    bad_debt_expected = _amount(_("expected bad debt (credit model)"))

    class Meta:
        verbose_name = _("arrears per month (欠费)")
        verbose_name_plural = _("arrears per month")
        ordering = ["month", "region_id"]


class UsageHourly(MartRow):
    """Usage by day, hour and region and type (话务分布): records, minutes, data and charges, for time-of-day views."""

    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    region_id = _region()
    usage_type = _dim(_("type"), 8)
    records = _count(_("records"))
    seconds = _count(_("seconds"))
    data_kb = _count(_("data (KB)"))
    charge = _amount(_("charges"))

    class Meta:
        verbose_name = _("usage per hour (话务分布)")
        verbose_name_plural = _("usage per hour")
        ordering = ["day", "hour"]


class CellDaily(MartRow):
    """Usage per cell and day (网络运营分析): traffic, revenue and subscribers of the cell, with its area and grid."""

    day = models.DateField(_("day"))
    cell_id = _dim(_("cell"), 20)
    region_id = _region()
    records = _count(_("records"))
    seconds = _count(_("seconds"))
    data_kb = _count(_("data (KB)"))
    charge = _amount(_("charges"))
    subscribers = _count(_("subscribers"))

    class Meta:
        verbose_name = _("usage per cell and day (小区话务)")
        verbose_name_plural = _("usage per cell and day")
        ordering = ["day", "cell_id"]
        indexes = [models.Index(fields=["region_id", "day"], name="mart_cell_region_day_idx")]


class NumberRange(models.Model):
    """A number range (号段) and the network it belongs to, to tell our customers' calls with competitors apart."""

    class Operator(models.TextChoices):
        TELECOM = "telecom", _("China Telecom (中国电信)")
        MOBILE = "mobile", _("China Mobile (中国移动)")
        UNICOM = "unicom", _("China Unicom (中国联通)")
        BROADNET = "broadnet", _("China Broadnet (中国广电)")
        OTHER = "other", _("Other")

    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    operator = models.CharField(_("operator"), max_length=12, choices=Operator.choices)
    is_own = models.BooleanField(_("our network"), default=False)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("number range (号段)")
        verbose_name_plural = _("number ranges")
        ordering = ["prefix"]

    def __str__(self) -> str:
        return f"{self.prefix} {self.operator}"


class CompetitorMonthly(MartRow):
    """Our customers' calls with each network per month, region and direction (竞争对手分析)."""

    month = models.DateField(_("month"))
    region_id = _region()
    operator = _dim(_("operator"), 12)
    outgoing = models.BooleanField(_("outgoing"))
    calls = _count(_("calls"))
    seconds = _count(_("seconds"))
    customers = _count(_("customers"))

    class Meta:
        verbose_name = _("calls with other networks per month (竞争对手话务)")
        verbose_name_plural = _("calls with other networks per month")
        ordering = ["month", "region_id"]


class CompetitorShift(MartRow):
    """A customer whose calls move towards a competitor (倒网迹象): shares of the last 3 months vs the 3 before."""

    month = models.DateField(_("month"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    region_id = _region()
    operator = _dim(_("main competitor"), 12)
    share_recent = models.FloatField(_("competitor share, last 3 months"))
    share_before = models.FloatField(_("competitor share, 3 months before"))
    calls_recent = _count(_("calls, last 3 months"))

    class Meta:
        verbose_name = _("shift towards a competitor (倒网迹象)")
        verbose_name_plural = _("shifts towards competitors")
        ordering = ["month", "-share_recent"]
        constraints = [models.UniqueConstraint(fields=["month", "customer"], name="competitor_shift_once")]


class ConsumptionMonthly(MartRow):
    """Usage mix and spend per month by region, segment, value group and spend band (消费行为)."""

    month = models.DateField(_("month"))
    region_id = _region()
    segment = _dim(_("segment"), 64)
    behaviour_segment = _dim(_("usage behaviour"), 120)
    value_group = _dim(_("value group"), 8)
    spend_band = _dim(_("spend band"), 16)  # "0-30", "30-60", "60-100", "100-200", ">200" yuan a month
    customers = _count(_("customers"))
    bundle_customers = _count(_("customers with a bundle"))
    voice_minutes = _count(_("voice minutes"))
    data_mb = _count(_("data (MB)"))
    sms = _count(_("messages"))
    vas_revenue = _amount(_("value-added services revenue"))
    spend = _amount(_("spend"))

    class Meta:
        verbose_name = _("consumption per month (消费行为)")
        verbose_name_plural = _("consumption per month")
        ordering = ["month", "region_id"]
