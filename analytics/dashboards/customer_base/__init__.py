"""Customer base dashboard (客户规模): customers by class, level, segment, value and activity group at the end of the
period, net adds and churn per month, the churn-risk distribution of the newest scoring run with the size of the
retention work lists, and level migration (等级迁移). Aggregate tables ``customer_base_monthly`` and
``level_migration_monthly``."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import CustomerBaseMonthly, LevelMigrationMonthly
from analytics.models.scores import RiskBand
from analytics.segments.rfm import SEGMENT_BY_CODE
from customers.models import ActivityGroup, Customer, ServiceLevel

from ..base import Chart, Column, Dashboard, DashboardData, Figure, Filters, Table, region_filter, register_dashboard
from .marts import (
    month_end,
    month_label,
    month_starts,
    refresh_customer_base,
    refresh_level_migration,
    region_names,
)
from .selectors import churn_risk_distribution, level_direction, level_ranks, worklist_url

__all__ = [
    "CustomerBaseDashboard",
    "month_end",
    "month_label",
    "month_starts",
    "refresh_customer_base",
    "refresh_level_migration",
    "region_names",
]


def has_data(chart: Chart) -> bool:
    """An empty pie, column or heat chart is left out (before the first scoring run, a month without level moves);
    the monthly line stays, its zeros say something."""
    if chart.kind == "pie":
        return any(item["value"] for item in chart.data["items"])
    if chart.kind == "heat":
        return bool(chart.data["values"])
    if chart.kind == "columns":
        return any(v for series in chart.data["series"] for v in series["values"])
    return True


# --- Dashboard ----------------------------------------------------------------------------------------------------


def _group_table(key, title, label, rows, names, total) -> Table:
    shown = [
        {
            "group": str(names.get(r["value"], r["value"])) if r["value"] else _("(none)"),
            "customers": r["customers"],
            "share": round(100.0 * r["customers"] / total, 1) if total else None,
        }
        for r in rows
    ]
    columns = [
        Column("group", label),
        Column("customers", _("Customers"), "int"),
        Column("share", _("Share"), "percent"),
    ]
    return Table(key=key, title=title, columns=columns, rows=shown)


@register_dashboard
class CustomerBaseDashboard(Dashboard):
    key = "customers"
    title = gettext_lazy("Customer base (客户规模)")
    description = gettext_lazy(
        "Customers by class, level, segment, value and activity group; net adds and churn per month; churn risk and "
        "retention work lists; level migration."
    )
    marts = ("customer_base_monthly", "level_migration_monthly")
    default_period = "12m"
    order = 20

    def build(self, user, filters: Filters) -> DashboardData:
        narrow = region_filter(filters, user)
        first, last = filters.months
        base = narrow(CustomerBaseMonthly.objects.all()).order_by()
        at_end = base.filter(month=last)

        # Customers at the end of the period's last month, one table per dimension.
        labels = {
            "customer_class": (_("Class"), dict(Customer.CustomerClass.choices)),
            "service_level": (_("Level"), dict(ServiceLevel.choices)),
            "segment": (_("Segment"), {code: segment.label for code, segment in SEGMENT_BY_CODE.items()}),
            "value_group": (_("Value group"), dict(ActivityGroup.choices)),
            "activity_group": (_("Activity group"), dict(ActivityGroup.choices)),
        }
        total = at_end.aggregate(n=Sum("customers"))["n"] or 0
        tables, charts = [], []
        for dim, (label, names) in labels.items():
            rows = [
                {"value": r[dim], "customers": r["customers"]}
                for r in at_end.values(dim).annotate(customers=Sum("customers")).order_by("-customers", dim)
                if r["customers"]
            ]
            table = _group_table(
                f"by_{dim}", _("Customers by %(what)s") % {"what": label.lower()}, label, rows, names, total
            )
            tables.append(table)
            kind = "pie" if dim != "segment" else "columns"
            if kind == "pie":
                data = {"items": [{"name": r["group"], "value": r["customers"]} for r in table.rows]}
            else:
                data = {
                    "categories": [r["group"] for r in table.rows],
                    "series": [{"name": str(_("Customers")), "values": [r["customers"] for r in table.rows]}],
                }
            charts.append(Chart(f"by_{dim}", table.title, kind, data))

        # Net adds and churn per month.
        per_month = {
            r["month"]: r
            for r in base.filter(month__gte=first, month__lte=last)
            .values("month")
            .annotate(customers=Sum("customers"), added=Sum("added"), churned=Sum("churned"))
        }
        months = month_starts(first, last)
        trend = []
        for m in months:
            r = per_month.get(m, {"customers": 0, "added": 0, "churned": 0})
            trend.append(
                {
                    "month": month_label(m),
                    "customers": r["customers"],
                    "added": r["added"],
                    "churned": r["churned"],
                    "net": r["added"] - r["churned"],
                }
            )
        tables.append(
            Table(
                key="per_month",
                title=_("Net adds and churn per month"),
                columns=[
                    Column("month", _("Month")),
                    Column("customers", _("Customers at the month's end"), "int"),
                    Column("added", _("New"), "int"),
                    Column("churned", _("Churned"), "int"),
                    Column("net", _("Net adds"), "int"),
                ],
                rows=trend,
            )
        )
        charts.append(
            Chart(
                "per_month",
                _("Net adds and churn per month"),
                "line",
                {
                    "categories": [r["month"] for r in trend],
                    "series": [
                        {"name": str(_("New")), "values": [r["added"] for r in trend]},
                        {"name": str(_("Churned")), "values": [r["churned"] for r in trend]},
                        {"name": str(_("Net adds")), "values": [r["net"] for r in trend]},
                    ],
                },
            )
        )
        added = sum(r["added"] for r in trend)
        churned = sum(r["churned"] for r in trend)

        # Churn risk of the newest scoring run and the retention work lists.
        risk = churn_risk_distribution(filters, user)
        names = region_names(risk["bands"].keys())
        band_rows, links = [], {}
        ordered = sorted(risk["bands"].items(), key=lambda kv: -kv[1].get(RiskBand.HIGH, 0))
        for i, (region_id, bands) in enumerate(ordered):
            band_rows.append(
                {
                    "region": names.get(region_id, region_id),
                    "high": bands.get(RiskBand.HIGH, 0),
                    "medium": bands.get(RiskBand.MEDIUM, 0),
                    "low": bands.get(RiskBand.LOW, 0),
                    "scored": sum(bands.values()),
                }
            )
            links[i] = worklist_url(region_id)
        high = sum(r["high"] for r in band_rows)
        note = (
            _("Scoring run of %(day)s; active customers.") % {"day": risk["as_of"]}
            if risk["as_of"]
            else _("No churn scoring run yet.")
        )
        tables.append(
            Table(
                key="churn_risk",
                title=_("Churn risk and retention work lists per region"),
                columns=[
                    Column("region", _("Region")),
                    Column("high", _("High risk (work list)"), "int"),
                    Column("medium", _("Medium risk"), "int"),
                    Column("low", _("Low risk"), "int"),
                    Column("scored", _("Scored"), "int"),
                ],
                rows=band_rows,
                links=links,
                note=note,
            )
        )
        charts.append(
            Chart(
                "churn_bands",
                _("Churn risk bands per region"),
                "columns",
                {
                    "categories": [str(r["region"]) for r in band_rows],
                    "stacked": True,
                    "series": [
                        {"name": str(RiskBand(b).label), "values": [r[b] for r in band_rows]} for b in RiskBand.values
                    ],
                    "links": [links[i] for i in range(len(band_rows))],
                },
            )
        )
        decile_rows = [{"decile": f"{10 * i}–{10 * (i + 1)} %", "customers": n} for i, n in enumerate(risk["deciles"])]
        tables.append(
            Table(
                key="churn_deciles",
                title=_("Customers per churn probability decile"),
                columns=[Column("decile", _("Churn probability")), Column("customers", _("Customers"), "int")],
                rows=decile_rows,
                note=note,
            )
        )
        charts.append(
            Chart(
                "churn_deciles",
                _("Customers per churn probability decile"),
                "columns",
                {
                    "categories": [r["decile"] for r in decile_rows],
                    "series": [{"name": str(_("Customers")), "values": [r["customers"] for r in decile_rows]}],
                },
            )
        )

        # Level migration over the period.
        moves = list(
            narrow(LevelMigrationMonthly.objects.filter(month__gte=first, month__lte=last))
            .values("from_level", "to_level")
            .annotate(customers=Sum("customers"))
            .order_by("from_level", "to_level")
        )
        ranks = level_ranks()
        level_names = dict(ServiceLevel.choices)
        up = down = 0
        move_rows = []
        for m in moves:
            direction = level_direction(m["from_level"], m["to_level"], ranks)
            up += m["customers"] if direction > 0 else 0
            down += m["customers"] if direction < 0 else 0
            move_rows.append(
                {
                    "from": str(level_names.get(m["from_level"], m["from_level"])),
                    "to": str(level_names.get(m["to_level"], m["to_level"])),
                    "customers": m["customers"],
                    "direction": {1: _("up"), -1: _("down")}.get(direction, ""),
                }
            )
        tables.append(
            Table(
                key="level_migration",
                title=_("Level migration (等级迁移)"),
                columns=[
                    Column("from", _("From")),
                    Column("to", _("To")),
                    Column("customers", _("Customers"), "int"),
                    Column("direction", _("Direction")),
                ],
                rows=move_rows,
            )
        )
        order = sorted(
            {lv for m in moves for lv in (m["from_level"], m["to_level"])},
            key=lambda lv: (ranks.get(lv, ("~", 0))[0], -ranks.get(lv, ("", 0))[1], lv),
        )
        axis = [str(level_names.get(lv, lv)) for lv in order]
        charts.append(
            Chart(
                "level_migration",
                _("Level migration: from (rows) → to (columns)"),
                "heat",
                {
                    "x": axis,
                    "y": axis,
                    "series": str(_("Customers")),
                    "values": [
                        [order.index(m["to_level"]), order.index(m["from_level"]), m["customers"]] for m in moves
                    ],
                },
            )
        )

        figures = [
            Figure(_("Customers"), total),
            Figure(_("New in the period"), added),
            Figure(_("Churned in the period"), churned),
            Figure(_("Net adds"), added - churned, good=(added >= churned) if (added or churned) else None),
            Figure(_("High churn risk (work list)"), high),
            Figure(_("Moved up a level"), up),
            Figure(_("Moved down a level"), down),
        ]
        return DashboardData(figures=figures, charts=[c for c in charts if has_data(c)], tables=tables)
