"""Consumption behaviour dashboard (消费行为): usage mix (voice, data, SMS, value-added services), spend distribution
over bands of the monthly bill, and bundle uptake, by segment (RFM segment, usage behaviour or value group). Aggregate
table ``consumption_monthly``."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import ConsumptionMonthly
from analytics.segments.rfm import SEGMENT_BY_CODE
from billing_sync.models import BillItem, CustomerBill, UsageMonthly
from customers.models import ActivityGroup, Customer
from orders.models import Product, ProductOffering, ProductSpecification

from .base import (
    Chart,
    Column,
    Dashboard,
    DashboardData,
    Figure,
    Filters,
    Table,
    percent,
    region_filter,
    register_dashboard,
)
from .customer_base.marts import month_end, month_starts
from .marts import MartSpec, register_mart

# Bands of a customer's bills of the month in yuan, upper bound included: the last band has none.
SPEND_BANDS = (("0-30", 30), ("30-60", 60), ("60-100", 100), ("100-200", 200), (">200", None))
# ?by= choices: the column, its heading, and how titles name it.
GROUPINGS = {
    "segment": (gettext_lazy("Segment (RFM)"), gettext_lazy("segment")),
    "behaviour_segment": (gettext_lazy("Usage behaviour"), gettext_lazy("usage behaviour")),
    "value_group": (gettext_lazy("Value group"), gettext_lazy("value group")),
}
SEGMENT_LABELS = {code: segment.label for code, segment in SEGMENT_BY_CODE.items()}
# Subscriptions not yet live do not count as holding a bundle.
NOT_LIVE = ("created", "pendingActive")

# --- Refresher ----------------------------------------------------------------------------------------------------


def _band_sql(expression: str) -> str:
    whens = " ".join(f"WHEN {expression} <= {limit} THEN '{name}'" for name, limit in SPEND_BANDS if limit is not None)
    return f"CASE {whens} ELSE '{SPEND_BANDS[-1][0]}' END"


def _refresh_sql() -> str:
    t = {
        "mart": ConsumptionMonthly._meta.db_table,
        "customer": Customer._meta.db_table,
        "usage": UsageMonthly._meta.db_table,
        "bill": CustomerBill._meta.db_table,
        "item": BillItem._meta.db_table,
        "product": Product._meta.db_table,
        "offering": ProductOffering._meta.db_table,
        "spec": ProductSpecification._meta.db_table,
    }
    not_live = ", ".join(f"'{s}'" for s in NOT_LIVE)
    # Plain SQL both PostgreSQL and SQLite run: one row per customer with usage or a bill in the month, then
    # grouped. Parameters in order: month, then month/month/end (usage, bills), month/end (VAS), end/month (bundle).
    return f"""
        INSERT INTO {t["mart"]} (month, region_id, segment, behaviour_segment, value_group, spend_band, customers,
                                 bundle_customers, voice_minutes, data_mb, sms, vas_revenue, spend)
        SELECT %s, x.region_id, x.segment, x.behaviour_segment, x.value_group, x.band, COUNT(*), SUM(x.bundle),
               ROUND(SUM(x.voice_s) / 60.0), ROUND(SUM(x.data_kb) / 1024.0), SUM(x.sms), SUM(x.vas), SUM(x.spend)
        FROM (
            SELECT c.region_id, c.segment, c.behaviour_segment, c.value_group,
                   COALESCE(u.voice_s, 0) AS voice_s, COALESCE(u.data_kb, 0) AS data_kb, COALESCE(u.sms, 0) AS sms,
                   COALESCE(v.vas, 0) AS vas, COALESCE(b.spend, 0) AS spend,
                   {_band_sql("COALESCE(b.spend, 0)")} AS band,
                   CASE WHEN EXISTS (
                       SELECT 1 FROM {t["product"]} p JOIN {t["offering"]} o ON o.id = p.offering_id
                       WHERE p.customer_id = c.id AND o.is_bundle = %s AND p.status NOT IN ({not_live})
                         AND (p.start_date IS NULL OR p.start_date <= %s)
                         AND (p.termination_date IS NULL OR p.termination_date >= %s)
                   ) THEN 1 ELSE 0 END AS bundle
            FROM {t["customer"]} c
            LEFT JOIN (
                SELECT customer_id, SUM(voice_seconds) AS voice_s, SUM(data_kb) AS data_kb, SUM(sms_count) AS sms
                FROM {t["usage"]} WHERE month = %s GROUP BY customer_id
            ) u ON u.customer_id = c.id
            LEFT JOIN (
                SELECT customer_id, SUM(amount_due) AS spend
                FROM {t["bill"]} WHERE period_start >= %s AND period_start <= %s GROUP BY customer_id
            ) b ON b.customer_id = c.id
            LEFT JOIN (
                SELECT bl.customer_id, SUM(i.amount) AS vas
                FROM {t["item"]} i
                JOIN {t["bill"]} bl ON bl.id = i.bill_id
                JOIN {t["product"]} p ON p.id = i.product_id
                JOIN {t["offering"]} o ON o.id = p.offering_id
                JOIN {t["spec"]} s ON s.id = COALESCE(p.specification_id, o.specification_id)
                WHERE bl.period_start >= %s AND bl.period_start <= %s AND s.kind = 'vas'
                GROUP BY bl.customer_id
            ) v ON v.customer_id = c.id
            WHERE u.customer_id IS NOT NULL OR b.customer_id IS NOT NULL
        ) x
        GROUP BY x.region_id, x.segment, x.behaviour_segment, x.value_group, x.band
    """  # noqa: S608 - table names from the models and constant bands; values are parameters


def refresh_consumption(since: datetime.date, until: datetime.date) -> int:
    """Rebuild the months of [since, until]: customers with usage or a bill in the month by today's region, segment,
    usage behaviour and value group and by the band of the month's bills; their voice minutes, data, messages,
    value-added services billed (items of VAS subscriptions), spend, and how many held a live bundle (套餐/融合)."""
    ConsumptionMonthly.objects.filter(month__gte=since.replace(day=1), month__lte=until).delete()
    sql, rows = _refresh_sql(), 0
    with connection.cursor() as cursor:
        for month in month_starts(since, until):
            end = month_end(month)
            cursor.execute(sql, [month, True, end, month, month, month, end, month, end])
            rows += cursor.rowcount
    return rows


register_mart(MartSpec(name="consumption_monthly", refresh=refresh_consumption, monthly=True, default_days=31))


# --- Dashboard ----------------------------------------------------------------------------------------------------

MEASURES = ("customers", "bundle_customers", "voice_minutes", "data_mb", "sms", "vas_revenue", "spend")
MIX = (
    ("voice_minutes", gettext_lazy("Voice")),
    ("data_mb", gettext_lazy("Data")),
    ("sms", gettext_lazy("SMS")),
    ("vas_revenue", gettext_lazy("Value-added services")),
)


def _avg(total, customers) -> float | None:
    return round(float(total) / customers, 2) if customers else None


def usage_by_group(queryset, field: str) -> list[dict]:
    """Per group: customer-months, averages per customer and month, and bundle uptake in percent, largest first."""
    rows = []
    for r in queryset.values(field).annotate(**{m: Sum(m) for m in MEASURES}).order_by("-customers", field):
        n = r["customers"]
        rows.append(
            {
                "group": r[field],
                "customers": n,
                "voice": _avg(r["voice_minutes"], n),
                "data": _avg(r["data_mb"] / 1024, n),
                "sms": _avg(r["sms"], n),
                "vas": _avg(r["vas_revenue"], n),
                "spend": _avg(r["spend"], n),
                "bundle": percent(r["bundle_customers"], n),
                "sums": {m: r[m] for m in MEASURES},
            }
        )
    return rows


def usage_mix(rows: list[dict]) -> list[list[float]]:
    """Each group's lean to voice, data, SMS and VAS: its average of each against the whole base's average, as shares
    of 100 % (a group using all four like the average customer gets 25 % each). Raw units do not add up."""
    customers = sum(r["customers"] for r in rows)
    base = [float(sum(r["sums"][m] for r in rows)) / customers if customers else 0.0 for m, _label in MIX]
    shares = []
    for r in rows:
        ratios = [
            float(r["sums"][m]) / r["customers"] / b if b and r["customers"] else 0.0
            for (m, _label), b in zip(MIX, base, strict=True)
        ]
        total = sum(ratios)
        shares.append([round(100 * x / total, 1) if total else 0.0 for x in ratios])
    return shares


@register_dashboard
class ConsumptionDashboard(Dashboard):
    key = "consumption"
    title = gettext_lazy("Consumption behaviour (消费行为)")
    description = gettext_lazy(
        "Usage mix (voice, data, SMS, value-added services), spend distribution and bundle uptake, by segment."
    )
    marts = ("consumption_monthly",)
    default_period = "12m"
    params = ("by",)
    order = 60

    def build(self, user, filters: Filters) -> DashboardData:
        by = filters.params.get("by") if filters.params.get("by") in GROUPINGS else "segment"
        first, last = filters.months
        narrow = region_filter(filters, user)
        months = narrow(ConsumptionMonthly.objects.filter(month__gte=first, month__lte=last)).order_by()
        label, what = GROUPINGS[by]
        names = {"value_group": dict(ActivityGroup.choices), "segment": SEGMENT_LABELS}.get(by, {})
        rows = usage_by_group(months, by)
        for r in rows:
            r["group"] = str(names.get(r["group"], r["group"])) if r["group"] else _("(none)")
        categories = [r["group"] for r in rows]

        usage = Table(
            key="usage",
            title=_("Usage and spend per customer and month by %(what)s") % {"what": what},
            columns=[
                Column("group", label),
                Column("customers", _("Customer-months"), "int"),
                Column("voice", _("Voice minutes"), "amount"),
                Column("data", _("Data (GB)"), "amount"),
                Column("sms", _("Messages"), "amount"),
                Column("vas", _("Value-added services (yuan)"), "amount"),
                Column("spend", _("Spend (yuan)"), "amount"),
                Column("bundle", _("With a bundle"), "percent"),
            ],
            rows=[
                {k: r[k] for k in ("group", "customers", "voice", "data", "sms", "vas", "spend", "bundle")}
                for r in rows
            ],
            note=_("Averages per customer and month; the customers with usage or a bill in each month."),
        )
        shares = usage_mix(rows)
        mix_chart = Chart(
            "usage_mix",
            _("Usage mix by %(what)s (against the average customer, 100 %%)") % {"what": what},
            "columns",
            {
                "categories": categories,
                "stacked": True,
                "series": [{"name": str(name), "values": [s[i] for s in shares]} for i, (_m, name) in enumerate(MIX)],
            },
        )

        bands = {
            r["spend_band"]: r
            for r in months.values("spend_band").annotate(customers=Sum("customers"), spend=Sum("spend"))
        }
        total_customers = sum(r["customers"] for r in bands.values())
        band_rows = [
            {
                "band": name,
                "customers": bands.get(name, {}).get("customers", 0),
                "share": percent(bands.get(name, {}).get("customers", 0), total_customers),
                "spend": bands.get(name, {}).get("spend", 0) or 0,
            }
            for name, _limit in SPEND_BANDS
        ]
        spend = Table(
            key="spend_bands",
            title=_("Spend distribution (bills of the month, yuan)"),
            columns=[
                Column("band", _("Spend band")),
                Column("customers", _("Customer-months"), "int"),
                Column("share", _("Share"), "percent"),
                Column("spend", _("Spend (yuan)"), "amount"),
            ],
            rows=band_rows,
        )
        spend_chart = Chart(
            "spend_bands",
            spend.title,
            "columns",
            {
                "categories": [r["band"] for r in band_rows],
                "series": [{"name": str(_("Customer-months")), "values": [r["customers"] for r in band_rows]}],
            },
        )
        bundle_chart = Chart(
            "bundle_uptake",
            _("Bundle uptake by %(what)s (%%)") % {"what": what},
            "percent",
            {
                "categories": categories,
                "values": [r["bundle"] for r in rows],
                "targets": [None] * len(rows),
                "series": str(_("With a bundle")),
                "target_series": "",
            },
        )

        totals = {m: sum(r["sums"][m] for r in rows) for m in MEASURES}
        n = totals["customers"]
        figures = [
            Figure(_("Customer-months"), n),
            Figure(_("Spend per customer and month"), _avg(totals["spend"], n), " " + _("yuan")),
            Figure(_("Voice minutes per customer and month"), _avg(totals["voice_minutes"], n)),
            Figure(_("Data per customer and month"), _avg(totals["data_mb"] / 1024, n), " GB"),
            Figure(_("Value-added services per customer and month"), _avg(totals["vas_revenue"], n), " " + _("yuan")),
            Figure(_("With a bundle"), percent(totals["bundle_customers"], n), "%"),
        ]
        return DashboardData(figures=figures, charts=[mix_chart, spend_chart, bundle_chart], tables=[usage, spend])
