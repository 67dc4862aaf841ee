"""Dashboard: revenue and arrears (财务分析): revenue by product kind, offering, region, level and channel, ARPU per
month, arrears ageing, collection rate by the due date, bad-debt risk, and revenue per offering and subscription.
Reads the marts of ``.marts``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from analytics.models import ArrearsMonthly, RevenueMonthly
from billing_sync.selectors.collections import BUCKETS
from crm.accounts.models import Region
from customers.models import ServiceLevel
from orders.models import ProductOffering, ProductSpecification, SalesChannel

from ..base import (
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
from .marts import ALL, FLOWS, ZERO, months_between, next_month

__all__ = ["FinanceDashboard", "months_between", "next_month", "period_query", "region_names"]


def _f(value) -> float:
    return round(float(value or 0), 2)


def period_query(filters: Filters, **extra) -> str:
    """A link to the same dashboard for the same period, with other filters (a region, a drill-down key)."""
    query = {"period": "custom", "date_from": filters.since.isoformat(), "date_to": filters.until.isoformat()}
    query.update({k: v for k, v in extra.items() if v not in (None, "")})
    return "?" + urlencode(query)


def region_names() -> dict[int, str]:
    return dict(Region.objects.values_list("pk", "name"))


@register_dashboard
class FinanceDashboard(Dashboard):
    """Revenue by product kind, offering, region, level and channel; ARPU; arrears ageing; collection; bad debt."""

    key = "finance"
    title = _("Revenue and arrears (财务分析)")
    description = _(
        "Revenue by product, offering, region, level and channel, ARPU, arrears ageing, collection rate "
        "and bad-debt risk."
    )
    marts = ("revenue_monthly", "arrears_monthly")
    default_period = "12m"
    order = 40

    def build(self, user, filters: Filters) -> DashboardData:
        narrow = region_filter(filters, user)
        first, last = filters.months
        revenue = narrow(RevenueMonthly.objects.filter(month__gte=first, month__lte=last)).order_by()
        detail, rollup = revenue.exclude(channel=ALL), revenue.filter(channel=ALL)
        arrears = narrow(ArrearsMonthly.objects.filter(month__gte=first, month__lte=last)).order_by()
        names = region_names()
        data = DashboardData()

        # ARPU per month: revenue / customers billed (the roll-up rows count each customer once per region and level).
        per_month = list(
            rollup.values("month").annotate(revenue=Sum("revenue"), customers=Sum("customers")).order_by("month")
        )
        total_revenue = sum((m["revenue"] for m in per_month), ZERO)
        customer_months = sum(m["customers"] for m in per_month)
        arpu_rows = [
            {
                "month": m["month"].strftime("%Y-%m"),
                "revenue": _f(m["revenue"]),
                "customers": m["customers"],
                "arpu": _f(m["revenue"] / m["customers"]) if m["customers"] else None,
            }
            for m in per_month
        ]

        # Arrears: buckets at the end of the period's last month with data, flows per month.
        buckets_month = arrears.exclude(age_bucket=FLOWS).order_by("-month").values_list("month", flat=True).first()
        by_bucket = {
            b["age_bucket"]: b
            for b in arrears.filter(month=buckets_month)
            .exclude(age_bucket=FLOWS)
            .values("age_bucket")
            .annotate(accounts=Sum("accounts"), arrears=Sum("arrears"), bad=Sum("bad_debt_expected"))
        }
        bucket_rows = [
            {
                "bucket": str(label),
                "accounts": by_bucket.get(key, {}).get("accounts", 0),
                "arrears": _f(by_bucket.get(key, {}).get("arrears")),
                "bad_debt": _f(by_bucket.get(key, {}).get("bad")),
            }
            for key, label, _first, _last in BUCKETS
        ]
        flows = list(
            arrears.filter(age_bucket=FLOWS)
            .values("month")
            .annotate(billed=Sum("billed"), collected=Sum("collected"), written_off=Sum("written_off"))
            .order_by("month")
        )
        billed = sum((f["billed"] for f in flows), ZERO)
        collected = sum((f["collected"] for f in flows), ZERO)
        written_off = sum((f["written_off"] for f in flows), ZERO)
        arrears_total = sum((Decimal(str(r["arrears"])) for r in bucket_rows), ZERO)
        bad_debt = sum((Decimal(str(r["bad_debt"])) for r in bucket_rows), ZERO)

        data.figures = [
            Figure(_("Revenue"), f"{total_revenue:,.2f}", " ¥"),
            Figure(
                _("ARPU (per customer and month)"),
                _f(total_revenue / customer_months) if customer_months else None,
                " ¥",
            ),
            Figure(_("Collection rate (by the due date)"), percent(collected, billed), " %"),
            Figure(_("Arrears"), f"{arrears_total:,.2f}", " ¥"),
            Figure(_("Expected bad debt (credit model)"), f"{bad_debt:,.2f}", " ¥"),
            Figure(_("Written off"), f"{written_off:,.2f}", " ¥"),
        ]

        # Revenue breakdowns.
        def breakdown(field: str, label_of) -> list[dict]:
            rows = (
                detail.values(field)
                .annotate(revenue=Sum("revenue"), subscriptions=Sum("subscriptions"))
                .order_by("-revenue", field)
            )
            return [
                {
                    "key": r[field],
                    "name": label_of(r[field]),
                    "revenue": _f(r["revenue"]),
                    "share": percent(r["revenue"], total_revenue),
                    "subscriptions": r["subscriptions"],
                }
                for r in rows
            ]

        kinds = dict(ProductSpecification.Kind.choices)
        levels = dict(ServiceLevel.choices)
        channels = dict(SalesChannel.choices)
        offerings = dict(ProductOffering.objects.values_list("code", "name"))
        none = str(_("(none)"))
        by_kind = breakdown("product_kind", lambda v: str(kinds.get(v, v)) if v else none)
        by_offering = breakdown("offering_code", lambda v: f"{v} {offerings.get(v, '')}".strip() if v else none)
        by_region = breakdown("region_id", lambda v: names.get(v, none))
        by_level = breakdown("service_level", lambda v: str(levels.get(v, v)) if v else none)
        by_channel = breakdown("channel", lambda v: str(channels.get(v, v)) if v else str(_("(no order)")))

        share_columns = [
            Column("name", _("name")),
            Column("revenue", _("revenue"), "amount"),
            Column("share", _("share"), "percent"),
        ]
        data.charts = [
            Chart(
                "revenue-kind",
                _("Revenue by product kind"),
                "pie",
                {"items": [{"name": r["name"], "value": r["revenue"]} for r in by_kind]},
            ),
            Chart(
                "arpu",
                _("ARPU per month"),
                "line",
                {
                    "categories": [r["month"] for r in arpu_rows],
                    "series": [{"name": str(_("ARPU")), "values": [r["arpu"] for r in arpu_rows]}],
                },
            ),
            Chart(
                "revenue-region",
                _("Revenue by region"),
                "bar",
                {
                    "categories": [r["name"] for r in by_region],
                    "values": [r["revenue"] for r in by_region],
                    "series": str(_("revenue")),
                    "links": [period_query(filters, region=r["key"]) for r in by_region],
                },
            ),
            Chart(
                "revenue-channel",
                _("Revenue by sales channel"),
                "bar",
                {
                    "categories": [r["name"] for r in by_channel],
                    "values": [r["revenue"] for r in by_channel],
                    "series": str(_("revenue")),
                },
            ),
            Chart(
                "arrears-ageing",
                _("Arrears by age"),
                "columns",
                {
                    "categories": [r["bucket"] for r in bucket_rows],
                    "series": [
                        {"name": str(_("arrears")), "values": [r["arrears"] for r in bucket_rows]},
                        {"name": str(_("expected bad debt")), "values": [r["bad_debt"] for r in bucket_rows]},
                    ],
                },
            ),
            Chart(
                "collection",
                _("Collection rate by the due date"),
                "line",
                {
                    "categories": [f["month"].strftime("%Y-%m") for f in flows],
                    "series": [
                        {
                            "name": str(_("collection rate")),
                            "values": [percent(f["collected"], f["billed"]) for f in flows],
                        }
                    ],
                },
            ),
        ]
        offering_rows = [
            {**r, "per_subscription": _f(r["revenue"] / r["subscriptions"]) if r["subscriptions"] else None}
            for r in by_offering
        ]
        data.tables = [
            Table("revenue_kind", _("Revenue by product kind"), share_columns, by_kind),
            Table(
                "revenue_region",
                _("Revenue by region"),
                share_columns,
                by_region,
                links={i: period_query(filters, region=r["key"]) for i, r in enumerate(by_region) if r["key"]},
            ),
            Table("revenue_level", _("Revenue by service level"), share_columns, by_level),
            Table(
                "revenue_channel",
                _("Revenue by sales channel"),
                share_columns,
                by_channel,
                note=_(
                    "The channel of the order that added the product; '(no order)' for products that came without one."
                ),
            ),
            Table(
                "arpu",
                _("ARPU per month"),
                [
                    Column("month", _("month")),
                    Column("revenue", _("revenue"), "amount"),
                    Column("customers", _("customers billed"), "int"),
                    Column("arpu", _("ARPU"), "amount"),
                ],
                arpu_rows,
            ),
            Table(
                "offering_profitability",
                _("Revenue per offering"),
                [
                    Column("name", _("offering")),
                    Column("revenue", _("revenue"), "amount"),
                    Column("share", _("share"), "percent"),
                    Column("subscriptions", _("subscription-months billed"), "int"),
                    Column("per_subscription", _("revenue per subscription and month"), "amount"),
                ],
                offering_rows,
                note=_(
                    "Revenue only: costs are not in the CRM. Campaign profitability follows once campaigns "
                    "are recorded."
                ),
            ),
            Table(
                "arrears_ageing",
                _("Arrears by age"),
                [
                    Column("bucket", _("days past due (oldest unpaid bill)")),
                    Column("accounts", _("accounts"), "int"),
                    Column("arrears", _("arrears"), "amount"),
                    Column("bad_debt", _("expected bad debt"), "amount"),
                ],
                bucket_rows,
                note=_(
                    "At %(day)s. Expected bad debt: arrears × the bad-debt probability of the credit model in "
                    "use (0 without a score)."
                )
                % {"day": _month_end(buckets_month)},
            ),
            Table(
                "collection",
                _("Billing and collection per month"),
                [
                    Column("month", _("month")),
                    Column("billed", _("billed, falling due in the month"), "amount"),
                    Column("collected", _("collected by the due date"), "amount"),
                    Column("rate", _("collection rate"), "percent"),
                    Column("written_off", _("written off"), "amount"),
                ],
                [
                    {
                        "month": f["month"].strftime("%Y-%m"),
                        "billed": _f(f["billed"]),
                        "collected": _f(f["collected"]),
                        "rate": percent(f["collected"], f["billed"]),
                        "written_off": _f(f["written_off"]),
                    }
                    for f in flows
                ],
                note=_(
                    "Bills count in the month they fall due (a month still running: those due so far); collected is "
                    "what was paid by each bill's due date."
                ),
            ),
        ]
        return data


def _month_end(month: datetime.date | None) -> str:
    if month is None:
        return "—"
    return (next_month(month) - datetime.timedelta(days=1)).isoformat()
