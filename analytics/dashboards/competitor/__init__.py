"""Dashboard: competitors (竞争对手分析): our customers' calls to and from each competitor network per month, the
competitors' share by region and over time, and the customers whose calling shifts towards a competitor (a churn
signal, also fed to the feature store as ``competitor_share_3m``)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from analytics.models import CompetitorMonthly, CompetitorShift, NumberRange

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
from ..finance import period_query, region_names
from . import marts

SHIFTS_SHOWN = 200


def mask_name(name: str) -> str:
    """张** : the first character only, as lists of people show them to managers."""
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


def own_operators() -> set[str]:
    return set(NumberRange.objects.filter(is_own=True).values_list("operator", flat=True))


@register_dashboard
class CompetitorDashboard(Dashboard):
    """Calls with competitor networks per month and region, their share, and the customers shifting towards them."""

    key = "competitor"
    title = _("Competitors (竞争对手分析)")
    description = _(
        "Our customers' calls to and from each competitor network, the competitors' share by region and month, and "
        "the customers whose calls shift towards a competitor."
    )
    marts = ("competitor_monthly", "competitor_shift")
    default_period = "12m"
    order = 60

    def build(self, user, filters: Filters) -> DashboardData:
        narrow = region_filter(filters, user)
        first, last = filters.months
        own = own_operators()
        labels = dict(NumberRange.Operator.choices)
        rows = list(
            narrow(CompetitorMonthly.objects.filter(month__gte=first, month__lte=last))
            .exclude(operator="")
            .values("month", "region_id", "operator", "outgoing")
            .annotate(calls=Sum("calls"), seconds=Sum("seconds"))
            .order_by()
        )
        months = sorted({r["month"] for r in rows})
        competitors = sorted({r["operator"] for r in rows} - own)
        per_month: dict = defaultdict(int)  # (month, operator) -> calls
        per_region: dict = defaultdict(lambda: [0, 0])  # region -> [competitor calls, identified calls]
        per_operator: dict = defaultdict(lambda: [0, 0, 0])  # operator -> [outgoing, incoming, seconds]
        identified_month: dict = defaultdict(int)
        for r in rows:
            per_month[(r["month"], r["operator"])] += r["calls"]
            identified_month[r["month"]] += r["calls"]
            per_region[r["region_id"]][1] += r["calls"]
            if r["operator"] not in own:
                per_region[r["region_id"]][0] += r["calls"]
                per_operator[r["operator"]][0 if r["outgoing"] else 1] += r["calls"]
                per_operator[r["operator"]][2] += r["seconds"]
        competitor_calls = sum(v[0] for v in per_region.values())
        identified = sum(v[1] for v in per_region.values())
        names = region_names()

        shifts_month = (
            narrow(CompetitorShift.objects.filter(month__gte=first, month__lte=last))
            .order_by("-month")
            .values_list("month", flat=True)
            .first()
        )
        shifts = list(
            narrow(CompetitorShift.objects.filter(month=shifts_month))
            .select_related("customer__party")
            .order_by("-share_recent", "customer_id")[:SHIFTS_SHOWN]
        )
        shift_count = narrow(CompetitorShift.objects.filter(month=shifts_month)).count() if shifts_month else 0

        data = DashboardData()
        data.figures = [
            Figure(_("Competitors' share of calls"), percent(competitor_calls, identified), " %"),
            Figure(_("Calls to competitors"), f"{sum(v[0] for v in per_operator.values()):,}"),
            Figure(_("Calls from competitors"), f"{sum(v[1] for v in per_operator.values()):,}"),
            Figure(_("Customers shifting towards a competitor"), shift_count),
        ]
        categories = [m.strftime("%Y-%m") for m in months]
        operator_rows = [
            {
                "operator": str(labels.get(op, op)),
                "outgoing": per_operator[op][0],
                "incoming": per_operator[op][1],
                "minutes": per_operator[op][2] // 60,
                "share": percent(per_operator[op][0] + per_operator[op][1], identified),
            }
            for op in competitors
        ]
        region_rows = sorted(
            (
                {
                    "key": rid,
                    "region": names.get(rid, "—"),
                    "competitor_calls": v[0],
                    "calls": v[1],
                    "share": percent(v[0], v[1]),
                }
                for rid, v in per_region.items()
            ),
            key=lambda r: (-(r["share"] or 0), r["region"]),
        )
        trend_rows = [
            {
                "month": m.strftime("%Y-%m"),
                **{op: per_month[(m, op)] for op in competitors},
                "share": percent(sum(per_month[(m, op)] for op in competitors), identified_month[m]),
            }
            for m in months
        ]
        data.charts = [
            Chart(
                "calls-month",
                _("Calls with each competitor per month"),
                "line",
                {
                    "categories": categories,
                    "series": [
                        {"name": str(labels.get(op, op)), "values": [per_month[(m, op)] for m in months]}
                        for op in competitors
                    ],
                },
            ),
            Chart(
                "calls-direction",
                _("Calls to and from each competitor"),
                "columns",
                {
                    "categories": [r["operator"] for r in operator_rows],
                    "stacked": True,
                    "series": [
                        {"name": str(_("to them")), "values": [r["outgoing"] for r in operator_rows]},
                        {"name": str(_("from them")), "values": [r["incoming"] for r in operator_rows]},
                    ],
                },
            ),
            Chart(
                "share-month",
                _("Competitors' share of calls per month (%)"),
                "line",
                {
                    "categories": categories,
                    "series": [{"name": str(_("share")), "values": [r["share"] for r in trend_rows]}],
                },
            ),
            Chart(
                "share-region",
                _("Competitors' share of calls by region (%)"),
                "bar",
                {
                    "categories": [r["region"] for r in region_rows],
                    "values": [r["share"] or 0 for r in region_rows],
                    "series": str(_("share")),
                    "links": [period_query(filters, region=r["key"]) for r in region_rows],
                },
            ),
        ]
        shift_rows = [
            {
                "customer": s.customer.customer_no,
                "name": mask_name(s.customer.party.name),
                "region": names.get(s.region_id, "—"),
                "operator": str(labels.get(s.operator, s.operator)),
                "before": round(s.share_before * 100, 1),
                "recent": round(s.share_recent * 100, 1),
                "calls": s.calls_recent,
            }
            for s in shifts
        ]
        data.tables = [
            Table(
                "operators",
                _("Calls with each competitor"),
                [
                    Column("operator", _("network")),
                    Column("outgoing", _("calls to them"), "int"),
                    Column("incoming", _("calls from them"), "int"),
                    Column("minutes", _("minutes"), "int"),
                    Column("share", _("share of identified calls"), "percent"),
                ],
                operator_rows,
                note=_(
                    "Voice calls of our customers whose other party is a known mobile number range (号段, kept "
                    "in the admin); fixed lines, service numbers and calls abroad are left out."
                ),
            ),
            Table(
                "regions",
                _("Competitors' share by region"),
                [
                    Column("region", _("region")),
                    Column("competitor_calls", _("calls with competitors"), "int"),
                    Column("calls", _("identified calls"), "int"),
                    Column("share", _("share"), "percent"),
                ],
                region_rows,
                links={i: period_query(filters, region=r["key"]) for i, r in enumerate(region_rows)},
            ),
            Table(
                "trend",
                _("Calls per month"),
                [Column("month", _("month"))]
                + [Column(op, labels.get(op, op), "int") for op in competitors]
                + [Column("share", _("competitors' share"), "percent")],
                trend_rows,
            ),
            Table(
                "shifts",
                _("Customers shifting towards a competitor"),
                [
                    Column("customer", _("customer")),
                    Column("name", _("name")),
                    Column("region", _("region")),
                    Column("operator", _("main competitor")),
                    Column("before", _("share before"), "percent"),
                    Column("recent", _("share, last 3 months"), "percent"),
                    Column("calls", _("calls, last 3 months"), "int"),
                ],
                shift_rows,
                links={i: reverse("customers:detail", args=[s.customer.customer_no]) for i, s in enumerate(shifts)},
                note=_(
                    "As of the end of %(month)s: the competitors' share of the customer's identified calls in "
                    "the last 3 months against the 3 months before, listed when it rose by %(rise)d points or "
                    "more with at least %(calls)d calls in each window (where the usage records kept do not "
                    "reach 6 months back, the earlier window is what is kept)."
                )
                % {
                    "month": shifts_month.strftime("%Y-%m") if shifts_month else "—",
                    "rise": round(marts.RISE * 100),
                    "calls": marts.MIN_CALLS,
                },
            ),
        ]
        return data
