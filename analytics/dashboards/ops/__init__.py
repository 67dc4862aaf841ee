"""Operations dashboard (运营监控): orders and work orders by state, on-time rate per work type against its target,
breaches by region, grid, team and outsourced company, average handling time, backlog ageing and tickets by
category, with drill-down province → region → grid → team → the late work orders. Aggregate tables
``work_orders_daily``, ``tickets_daily`` and ``backlog_ageing`` (refreshed hourly, see ``marts``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from callcenter.models import ReasonCategory
from crm.accounts.models import Grid, OrgUnit, Region
from crm.accounts.selectors import scoped_region
from orders.models import ProductOrder, WorkOrder
from orders.selectors.work import work_type_label as orders_work_type_label

from ..base import (
    Chart,
    Column,
    Dashboard,
    DashboardData,
    Figure,
    Filters,
    Table,
    percent,
    period_bounds,
    register_dashboard,
)
from . import selectors
from .marts import AGE_BUCKETS, BACKLOG_AGEING, TICKETS_DAILY, WORK_ORDERS_DAILY
from .selectors import Drill

LEVEL_TITLES = {
    "province": gettext_lazy("Breaches by region"),
    "region": gettext_lazy("Breaches by grid"),
    "grid": gettext_lazy("Breaches by team"),
}
LEVEL_COLUMNS = {"province": gettext_lazy("Region"), "region": gettext_lazy("Grid"), "grid": gettext_lazy("Team")}


def work_type_label(work_type: str) -> str:
    return orders_work_type_label(work_type) if work_type else str(_("(none)"))


def _hours(minutes: int, completed: int) -> float | None:
    return round(minutes / completed / 60, 1) if completed else None


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _period_params(filters: Filters) -> dict[str, str]:
    """The period of ``filters`` as the form's GET parameters, so drill-down links keep the period chosen."""
    today = timezone.localdate()
    for name in ("month", "week", "today", "12m"):
        if period_bounds(name, today) == (filters.since, filters.until):
            return {"period": name}
    return {"period": "custom", "date_from": filters.since.isoformat(), "date_to": filters.until.isoformat()}


def _url(filters: Filters, *, region=None, grid=None, team=None) -> str:
    params = _period_params(filters)
    for key, value in (("region", region), ("grid", grid), ("team", team)):
        if value is not None:
            params[key] = str(value)
    return reverse("analytics:dashboard", args=["ops"]) + "?" + urlencode(params)


def _breadcrumbs(user, filters: Filters, drill: Drill) -> list[tuple[str, str]]:
    crumbs = []
    if scoped_region(user) is None:
        crumbs.append((_("Province"), _url(filters)))
    region_id = drill.region.pk if drill.region else None
    if drill.region:
        crumbs.append((drill.region.name, _url(filters, region=region_id)))
    if drill.grid:
        crumbs.append((drill.grid.name, _url(filters, region=region_id, grid=drill.grid.pk)))
    if drill.team:
        grid_id = drill.grid.pk if drill.grid else None
        crumbs.append((drill.team.name, _url(filters, region=region_id, grid=grid_id, team=drill.team.pk)))
    return crumbs


def _measure_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "created": row["created_n"],
        "completed": row["completed_n"],
        "on_time": selectors.on_time_percent(row["on_time_n"], row["completed_n"]),
        "breached": row["breached_n"],
        "handling": _hours(row["handling_n"], row["completed_n"]),
        "open": row["open_n"],
    }


def _measure_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("created", _("Created"), "int"),
        Column("completed", _("Completed"), "int"),
        Column("on_time", _("On time (%)"), "percent"),
        Column("breached", _("Breached"), "int"),
        Column("handling", _("Average handling (h)"), "amount"),
        Column("open", _("Open at the end"), "int"),
    ]


def _breakdown(user, filters: Filters, drill: Drill, marts) -> tuple[Table, Chart]:
    rows = selectors.work_order_breakdown(marts, drill.level, filters.until)
    model = {"province": Region, "region": Grid, "grid": OrgUnit}[drill.level]
    labels = selectors.names(model, [r["key"] for r in rows])
    none = {"province": _("(no region)"), "region": _("(no grid)"), "grid": _("(not assigned)")}[drill.level]
    region_id = drill.region.pk if drill.region else None
    grid_id = drill.grid.pk if drill.grid else None

    def link(key: int | None) -> str | None:
        if key is None:
            return None
        if drill.level == "province":
            return _url(filters, region=key)
        if drill.level == "region":
            return _url(filters, region=region_id, grid=key)
        return _url(filters, region=region_id, grid=grid_id, team=key)

    table_rows = [{"name": labels.get(r["key"], none), **_measure_row(r)} for r in rows]
    links = {i: url for i, r in enumerate(rows) if (url := link(r["key"]))}
    table = Table(
        key="breakdown",
        title=LEVEL_TITLES[drill.level],
        columns=_measure_columns(Column("name", LEVEL_COLUMNS[drill.level])),
        rows=table_rows,
        links=links,
        note=_("Choose a row to see its part."),
    )
    chart = Chart(
        key="breaches",
        title=LEVEL_TITLES[drill.level],
        kind="bar",
        data={
            "categories": [row["name"] for row in table_rows],
            "values": [row["breached"] for row in table_rows],
            "series": _("Breached"),
            "links": [link(r["key"]) for r in rows],
        },
    )
    return table, chart


def _late_table(user, filters: Filters, drill: Drill) -> Table:
    now = timezone.now()
    rows, links = [], {}
    for i, wo in enumerate(selectors.late_work_order_list(user, filters, drill)):
        finished = wo.sla_stopped_at or (wo.completed_at if wo.state == WorkOrder.State.COMPLETED else None)
        rows.append(
            {
                "number": wo.wo_no,
                "type": work_type_label(wo.work_type),
                "team": wo.team.name if wo.team else "",
                "due": f"{timezone.localtime(wo.due_at):%Y-%m-%d %H:%M}",
                "finished": f"{timezone.localtime(finished):%Y-%m-%d %H:%M}" if finished else "",
                "late_by": round(((finished or now) - wo.due_at).total_seconds() / 3600, 1),
            }
        )
        links[i] = reverse("orders:work_order_detail", args=[wo.wo_no])
    return Table(
        key="late",
        title=_("Late work orders"),
        columns=[
            Column("number", _("Work order")),
            Column("type", _("Work type")),
            Column("team", _("Team")),
            Column("due", _("Due")),
            Column("finished", _("Finished")),
            Column("late_by", _("Late by (h)"), "amount"),
        ],
        rows=rows,
        links=links,
        note=_("Work orders whose deadline fell in the period and was missed; still open ones are late until now."),
    )


def _work_types(marts, until) -> tuple[Table, Chart, Decimal | None]:
    rows = selectors.work_type_rows(marts, until)
    table_rows = [
        {"type": work_type_label(r["work_type"]), **_measure_row(r), "target": _float(r["target"])} for r in rows
    ]
    columns = _measure_columns(Column("type", _("Work type")))
    columns.insert(4, Column("target", _("Target (%)"), "percent"))
    table = Table(key="work_types", title=_("On-time rate per work type"), columns=columns, rows=table_rows)
    finished = [(row, r) for row, r in zip(table_rows, rows, strict=True) if r["completed_n"]]
    chart = Chart(
        key="on_time",
        title=_("On-time rate per work type against its target"),
        kind="percent",
        data={
            "categories": [row["type"] for row, _r in finished],
            "values": [_float(row["on_time"]) for row, _r in finished],
            "targets": [_float(r["target"]) for _row, r in finished],
            "series": _("On time (%)"),
            "target_series": _("Target (%)"),
        },
    )
    targets = [r["target"] for _row, r in finished if r["target"] is not None]
    return table, chart, (min(targets) if targets else None)


def _contractors(marts, until) -> Table:
    rows = selectors.contractor_rows(marts, until)
    labels = selectors.names(OrgUnit, [r["key"] for r in rows])
    return Table(
        key="contractors",
        title=_("Breaches by outsourced company"),
        columns=_measure_columns(Column("name", _("Outsourced company"))),
        rows=[{"name": labels.get(r["key"], str(r["key"])), **_measure_row(r)} for r in rows],
    )


def _backlog(user, filters: Filters, drill: Drill) -> tuple[Table, Chart, selectors.Backlog]:
    found = selectors.backlog(user, filters, drill)
    labels = {"<1d": _("Under a day"), "1-3d": _("1–3 days"), "3-7d": _("3–7 days"), ">7d": _("Over 7 days")}
    rows = []
    for bucket, _lower in AGE_BUCKETS:
        open_items, late = found.buckets.get(bucket, (0, 0))
        rows.append({"age": str(labels[bucket]), "open": open_items, "late": late})
    note = _("As of %(day)s.") % {"day": found.as_of} if found.as_of else _("Not refreshed yet.")
    table = Table(
        key="backlog",
        title=_("Backlog ageing"),
        columns=[Column("age", _("Open for")), Column("open", _("Open"), "int"), Column("late", _("Late"), "int")],
        rows=rows,
        note=note,
    )
    chart = Chart(
        key="backlog",
        title=_("Backlog ageing"),
        kind="columns",
        data={
            "categories": [row["age"] for row in rows],
            "series": [
                {"name": _("Within the time limit"), "values": [row["open"] - row["late"] for row in rows]},
                {"name": _("Late"), "values": [row["late"] for row in rows]},
            ],
            "stacked": True,
        },
    )
    return table, chart, found


def _category_names(codes) -> dict[str, str]:
    english = not (translation.get_language() or "").startswith("zh")
    found = ReasonCategory.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name", "name_en")
    return {code: (name_en or name) if english else name for code, name, name_en in found}


def _tickets(user, filters: Filters, drill: Drill) -> tuple[Table, Chart]:
    rows = selectors.ticket_category_rows(user, filters, drill)
    labels = _category_names([r["category"] for r in rows])
    table_rows = [
        {
            "category": labels.get(r["category"], r["category"] or _("(no reason given)")),
            "opened": r["opened_n"],
            "resolved": r["resolved_n"],
            "late": r["late_n"],
            "repeat": r["repeat_n"],
            "regulator": r["regulator_n"],
        }
        for r in rows
    ]
    table = Table(
        key="tickets",
        title=_("Tickets by category"),
        columns=[
            Column("category", _("Category")),
            Column("opened", _("Opened"), "int"),
            Column("resolved", _("Resolved"), "int"),
            Column("late", _("Late"), "int"),
            Column("repeat", _("Repeat (30 days)"), "int"),
            Column("regulator", _("Regulator complaints or risk"), "int"),
        ],
        rows=table_rows,
    )
    chart = Chart(
        key="tickets",
        title=_("Tickets by category"),
        kind="bar",
        data={
            "categories": [row["category"] for row in table_rows],
            "values": [row["opened"] for row in table_rows],
            "series": _("Opened"),
        },
    )
    return table, chart


def _states(user, filters: Filters, drill: Drill) -> Table:
    orders, work = selectors.states(user, filters, drill)
    rows = [
        {"what": _("Orders"), "state": str(ProductOrder.State(state).label), "count": n}
        for state, n in sorted(orders.items())
        if state in ProductOrder.State.values
    ]
    rows += [
        {"what": _("Work orders"), "state": str(WorkOrder.State(state).label), "count": n}
        for state, n in sorted(work.items())
        if state in WorkOrder.State.values
    ]
    return Table(
        key="states",
        title=_("Orders and work orders taken in the period, by state"),
        columns=[Column("what", _("What")), Column("state", _("State")), Column("count", _("Count"), "int")],
        rows=rows,
    )


@register_dashboard
class OperationsDashboard(Dashboard):
    key = "ops"
    title = gettext_lazy("Operations (运营监控)")
    description = gettext_lazy(
        "On-time rates against their targets, breaches by region, grid, team and outsourced company, handling "
        "time, backlog ageing and tickets, with drill-down to the late work orders."
    )
    marts = (WORK_ORDERS_DAILY, TICKETS_DAILY, BACKLOG_AGEING)
    default_period = "month"
    params = ("grid", "team")
    order = 10

    def build(self, user, filters: Filters) -> DashboardData:
        drill = selectors.drill_resolve(user, filters)
        marts = selectors.work_order_marts(user, filters, drill)
        totals = selectors.work_order_totals(marts, filters.until)
        work_types, on_time_chart, target = _work_types(marts, filters.until)
        backlog_table, backlog_chart, found = _backlog(user, filters, drill)
        tables, charts = [], [on_time_chart]
        if drill.level == "team":
            tables.append(_late_table(user, filters, drill))
        else:
            breakdown, breach_chart = _breakdown(user, filters, drill, marts)
            tables.append(breakdown)
            charts.append(breach_chart)
        tables += [work_types, _contractors(marts, filters.until), backlog_table]
        charts.append(backlog_chart)
        if drill.team is None:  # tickets have no team
            ticket_table, ticket_chart = _tickets(user, filters, drill)
            tables.append(ticket_table)
            charts.append(ticket_chart)
        tables.append(_states(user, filters, drill))

        rate = selectors.on_time_percent(totals["on_time_n"], totals["completed_n"])
        backlog_open = sum(n for n, _late in found.buckets.values())
        backlog_late = sum(late for _n, late in found.buckets.values())
        figures = [
            Figure(
                _("On time"),
                _float(rate),
                " %",
                target=_float(target),
                good=None if rate is None or target is None else rate >= target,
            ),
            Figure(_("Breaches"), totals["breached_n"], good=totals["breached_n"] == 0),
            Figure(_("Completed"), totals["completed_n"]),
            Figure(_("Average handling"), _hours(totals["handling_n"], totals["completed_n"]), " h"),
            Figure(_("Backlog"), backlog_open),
            Figure(
                _("Late in the backlog"),
                percent(backlog_late, backlog_open) if backlog_open else None,
                " %",
                good=None if not backlog_open else backlog_late == 0,
            ),
        ]
        return DashboardData(
            figures=figures, charts=charts, tables=tables, breadcrumbs=_breadcrumbs(user, filters, drill)
        )
