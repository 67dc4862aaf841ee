"""Dashboard: the network from the customer's side (网络运营分析): the cells with the most traffic and revenue, the
areas and grids with the most fault reports, complaints and fraud alerts, traffic by hour and weekday, an area view,
and the usage of subscribers before and after they change offering."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..base import Chart, Column, Dashboard, DashboardData, Figure, Filters, Table, region_filter, register_dashboard
from ..finance import period_query
from . import (
    marts,  # noqa: F401 - registers usage_hourly and cells_daily
    selectors,
)

TOP = 20


def _f(value, digits: int = 1) -> float:
    return round(float(value or 0), digits)


@register_dashboard
class NetworkDashboard(Dashboard):
    """Cells, areas and grids ranked by traffic, revenue, faults, complaints and fraud; traffic by time; offers."""

    key = "network"
    title = _("Network from the customer's side (网络运营分析)")
    description = _(
        "Cells with the most traffic and revenue, areas and grids with the most faults, complaints and fraud alerts, "
        "traffic by hour and weekday, and usage before and after a change of offering."
    )
    marts = ("usage_hourly", "cells_daily", "tickets_daily")
    default_period = "month"
    params = ("area",)
    order = 50

    def build(self, user, filters: Filters) -> DashboardData:
        narrow = region_filter(filters, user)
        data = DashboardData()
        totals = selectors.usage_totals(filters, narrow)
        by_hour = selectors.traffic_by_hour(filters, narrow)
        cells = selectors.top_cells(filters, narrow, TOP)
        areas = selectors.area_measures(filters, user, narrow)
        grids = selectors.grid_measures(filters, narrow, TOP)
        offers = selectors.offering_usage(filters, user)
        changes = selectors.offering_changes(filters, user)
        busiest = max(range(24), key=lambda h: by_hour["records"][h]) if any(by_hour["records"]) else None

        data.figures = [
            Figure(_("Usage records"), f"{totals['records']:,}"),
            Figure(_("Voice minutes"), f"{totals['seconds'] // 60:,}"),
            Figure(_("Data (GB)"), f"{totals['data_kb'] / 1024 / 1024:,.1f}"),
            Figure(_("Charges"), f"{float(totals['charge']):,.2f}", " ¥"),
            Figure(_("Busiest hour"), f"{busiest:02d}:00" if busiest is not None else None),
        ]
        hours = [f"{h:02d}" for h in range(24)]
        weekdays = [str(d) for d in selectors.WEEKDAYS]
        area_names = [a["name"] for a in areas]
        measures = [str(m[1]) for m in selectors.AREA_MEASURES]
        data.charts = [
            Chart(
                "cells-traffic",
                _("Cells with the most traffic (records)"),
                "bar",
                {
                    "categories": [c["cell_id"] for c in cells["traffic"]],
                    "values": [c["records"] for c in cells["traffic"]],
                    "series": str(_("records")),
                },
            ),
            Chart(
                "cells-revenue",
                _("Cells with the most revenue"),
                "bar",
                {
                    "categories": [c["cell_id"] for c in cells["revenue"]],
                    "values": [c["charge"] for c in cells["revenue"]],
                    "series": str(_("charges")),
                },
            ),
            Chart(
                "week-hours",
                _("Traffic by hour and weekday (records per day)"),
                "heat",
                {
                    "x": hours,
                    "y": weekdays,
                    "values": selectors.week_heat(filters, narrow),
                    "series": str(_("records per day")),
                },
            ),
            Chart(
                "hours",
                _("Traffic by hour of day"),
                "line",
                {
                    "categories": hours,
                    "series": [
                        {"name": str(_("voice minutes")), "values": by_hour["minutes"]},
                        {"name": str(_("data (MB)")), "values": by_hour["data_mb"]},
                    ],
                },
            ),
            Chart(
                "areas",
                _("Areas: faults, complaints and fraud alerts"),
                "heat",
                {
                    "x": measures,
                    "y": area_names,
                    "values": [
                        [x, y, a[m[0]]] for y, a in enumerate(areas) for x, m in enumerate(selectors.AREA_MEASURES)
                    ],
                    "series": str(_("count")),
                    "links": [period_query(filters, area=a["id"]) for a in areas],
                },
            ),
            Chart(
                "offers",
                _("Average monthly usage per subscriber by offering"),
                "columns",
                {
                    "categories": [o["offering"] for o in offers[:12]],
                    "series": [
                        {"name": str(_("voice minutes")), "values": [o["minutes"] for o in offers[:12]]},
                        {"name": str(_("data (MB)")), "values": [o["data_mb"] for o in offers[:12]]},
                    ],
                },
            ),
        ]
        cell_columns = [
            Column("cell_id", _("cell")),
            Column("records", _("records"), "int"),
            Column("minutes", _("voice minutes"), "int"),
            Column("data_mb", _("data (MB)"), "int"),
            Column("charge", _("charges"), "amount"),
            Column("subscribers", _("most lines in a day"), "int"),
        ]
        area_columns = [Column("name", _("area")), Column("region", _("region"))] + [
            Column(key, label, "int") for key, label in selectors.AREA_MEASURES
        ]
        grid_columns = [Column("name", _("grid")), Column("area", _("area"))] + [
            Column(key, label, "int") for key, label in selectors.AREA_MEASURES
        ]
        offer_columns = [
            Column("offering", _("offering")),
            Column("month", _("month")),
            Column("subscribers", _("subscribers"), "int"),
            Column("minutes", _("voice minutes per subscriber"), "amount"),
            Column("data_mb", _("data (MB) per subscriber"), "amount"),
            Column("sms", _("messages per subscriber"), "amount"),
        ]
        change_columns = [
            Column("offering", _("new offering")),
            Column("changes", _("changes"), "int"),
            Column("minutes_before", _("voice minutes before"), "amount"),
            Column("minutes_after", _("voice minutes after"), "amount"),
            Column("data_before", _("data (MB) before"), "amount"),
            Column("data_after", _("data (MB) after"), "amount"),
        ]
        area = filters.params.get("area", "")
        data.tables = [
            Table(
                "cells_traffic",
                _("Cells with the most traffic"),
                cell_columns,
                cells["traffic"],
                note=_("Our network's cells only (roaming records excluded); our customers' usage."),
            ),
            Table("cells_revenue", _("Cells with the most revenue"), cell_columns, cells["revenue"]),
            Table(
                "areas",
                _("Areas with the most fault reports, complaints and fraud alerts"),
                area_columns,
                areas,
                links={i: period_query(filters, area=a["id"]) for i, a in enumerate(areas) if a["id"]},
            ),
            Table(
                "grids",
                _("Grids with the most fault reports and complaints") if not area else _("Grids of the area"),
                grid_columns,
                grids,
            ),
            Table(
                "hours",
                _("Traffic by hour of day"),
                [
                    Column("hour", _("hour")),
                    Column("records", _("records"), "int"),
                    Column("minutes", _("voice minutes"), "int"),
                    Column("data_mb", _("data (MB)"), "int"),
                ],
                [
                    {
                        "hour": h,
                        "records": by_hour["records"][i],
                        "minutes": by_hour["minutes"][i],
                        "data_mb": by_hour["data_mb"][i],
                    }
                    for i, h in enumerate(hours)
                ],
            ),
            Table(
                "offering_changes",
                _("Usage before and after a change of offering"),
                change_columns,
                changes,
                note=_(
                    "Subscriptions whose change of offering (变更) completed in the period: their average monthly "
                    "usage in the 3 months before the month of the change and the 3 months after (as far as "
                    "recorded)."
                ),
            ),
            Table(
                "offering_usage",
                _("Usage per subscriber by offering and month"),
                offer_columns,
                selectors.offering_usage_monthly(filters, user),
            ),
        ]
        if area:
            data.breadcrumbs = [(str(_("All areas")), period_query(filters)), (selectors.area_name(area), "")]
        return data
