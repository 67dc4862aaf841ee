"""Reads of the operations dashboard: the drill-down position (province → region → grid → team) checked against what
the user may see, aggregates of the operations marts at that position, and the live list of late work orders at the
leaf. A fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404

from analytics.models import BacklogAgeing, TicketDaily, WorkOrderDaily
from crm.accounts.models import Grid, OrgUnit, Region
from crm.accounts.selectors import visibility_scope
from crm.sla.models import ServiceLimit
from orders.models import ProductOrder, WorkOrder

from ..base import Filters, region_filter
from .marts import day_bounds, late_work_orders

LEVELS = ("province", "region", "grid", "team")
# The mart column each level breaks down by: the province by region, a region by grid, a grid by team.
BREAKDOWN = {"province": "region_id", "region": "grid_id", "grid": "team_id"}
MAX_LATE_ROWS = 1000


@dataclass(frozen=True)
class Drill:
    """Where the manager stands in the drill-down; ``level`` is the deepest of region, grid and team given."""

    level: str
    region: Region | None = None
    grid: Grid | None = None
    team: OrgUnit | None = None


def _pk(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def drill_resolve(user, filters: Filters) -> Drill:
    """The drill-down position of ``filters``. A grid or team of a region the user may not see is a 404; a grid of
    another region than the one chosen in the filters is dropped (the manager changed region: start there)."""
    scope = visibility_scope(user)
    region, grid, team = filters.region, None, None
    grid_id, team_id = _pk(filters.params.get("grid")), _pk(filters.params.get("team"))
    if grid_id is not None:
        grid = Grid.objects.select_related("region").filter(pk=grid_id).first()
        if grid is None or not scope.allows_region(grid.region_id):
            raise Http404
        if region is not None and grid.region_id != region.pk:
            grid = None
        else:
            region = grid.region
    if team_id is not None:
        team = OrgUnit.objects.filter(pk=team_id).first()
        # Contractors may have no region: their rows are still narrowed to the regions the user sees.
        if team is None or (team.region_id is not None and not scope.allows_region(team.region_id)):
            raise Http404
        if region is not None and team.region_id not in (None, region.pk):
            team = None
    level = "team" if team else "grid" if grid else "region" if region else "province"
    return Drill(level=level, region=region, grid=grid, team=team)


def _narrow(queryset: QuerySet, user, filters: Filters, drill: Drill, *, team: bool = True) -> QuerySet:
    queryset = region_filter(filters, user)(queryset)
    if drill.region is not None:
        queryset = queryset.filter(region_id=drill.region.pk)
    if drill.grid is not None:
        queryset = queryset.filter(grid_id=drill.grid.pk)
    if team and drill.team is not None:
        queryset = queryset.filter(team_id=drill.team.pk)
    return queryset


def work_order_marts(user, filters: Filters, drill: Drill) -> QuerySet[WorkOrderDaily]:
    days = WorkOrderDaily.objects.filter(day__gte=filters.since, day__lte=filters.until)
    return _narrow(days, user, filters, drill)


def _measures(until: datetime.date) -> dict[str, Any]:
    return {
        "created_n": Sum("created"),
        "completed_n": Sum("completed"),
        "on_time_n": Sum("completed_on_time"),
        "breached_n": Sum("breached"),
        "handling_n": Sum("handling_minutes"),
        # Open work orders are a stock: the last day's, not a sum over the days.
        "open_n": Sum("open_at_end", filter=Q(day=until)),
    }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {key: (value or 0) if key.endswith("_n") else value for key, value in row.items()}


def work_order_totals(marts: QuerySet[WorkOrderDaily], until: datetime.date) -> dict[str, int]:
    return _clean(marts.aggregate(**_measures(until)))


def work_order_breakdown(marts: QuerySet[WorkOrderDaily], level: str, until: datetime.date) -> list[dict[str, Any]]:
    """Rows per region, grid or team (by the level), most breaches first; key ``key`` is the id (None: none)."""
    column = BREAKDOWN[level]
    rows = marts.values(column).annotate(**_measures(until)).order_by()
    cleaned = [{"key": row[column], **_clean(row)} for row in rows]
    return sorted(cleaned, key=lambda r: (-r["breached_n"], -r["completed_n"], r["key"] is None, r["key"] or 0))


def work_type_rows(marts: QuerySet[WorkOrderDaily], until: datetime.date) -> list[dict[str, Any]]:
    """Per work type, with the strictest on-time target of its active time limits (crm/sla, 99 % / 98 %)."""
    rows = [_clean(row) for row in marts.values("work_type").annotate(**_measures(until)).order_by("work_type")]
    targets = dict(
        ServiceLimit.objects.filter(is_active=True, work_type__in=[r["work_type"] for r in rows])
        .values("work_type")
        .annotate(target=Max("target_percent"))
        .values_list("work_type", "target")
    )
    for row in rows:
        row["target"] = targets.get(row["work_type"])
    return rows


def contractor_rows(marts: QuerySet[WorkOrderDaily], until: datetime.date) -> list[dict[str, Any]]:
    rows = marts.filter(contractor_id__isnull=False).values("contractor_id").annotate(**_measures(until)).order_by()
    cleaned = [{"key": row["contractor_id"], **_clean(row)} for row in rows]
    return sorted(cleaned, key=lambda r: (-r["breached_n"], r["key"]))


@dataclass(frozen=True)
class Backlog:
    as_of: datetime.date | None
    buckets: dict[str, tuple[int, int]]  # age bucket -> (open, late)


def backlog(user, filters: Filters, drill: Drill) -> Backlog:
    """The backlog by age as of the last refresh on or before the period's end."""
    rows = _narrow(BacklogAgeing.objects.filter(as_of__lte=filters.until), user, filters, drill)
    as_of = rows.aggregate(last=Max("as_of"))["last"]
    if as_of is None:
        return Backlog(None, {})
    buckets = rows.filter(as_of=as_of).values("age_bucket").annotate(n=Sum("open_items"), late=Sum("late_items"))
    return Backlog(as_of, {row["age_bucket"]: (row["n"] or 0, row["late"] or 0) for row in buckets.order_by()})


def ticket_category_rows(user, filters: Filters, drill: Drill) -> list[dict[str, Any]]:
    """Tickets per category (the reason's top category) of the region or grid, most opened first."""
    days = TicketDaily.objects.filter(day__gte=filters.since, day__lte=filters.until)
    rows = (
        _narrow(days, user, filters, drill, team=False)
        .values("category")
        .annotate(
            opened_n=Sum("opened"),
            resolved_n=Sum("resolved"),
            late_n=Sum("breached"),
            repeat_n=Sum("repeat"),
            regulator_n=Sum("regulator"),
        )
        .order_by()
    )
    return sorted((_clean(row) for row in rows), key=lambda r: (-r["opened_n"], r["category"]))


def states(user, filters: Filters, drill: Drill) -> tuple[dict[str, int], dict[str, int]]:
    """Orders and work orders taken in the period by their state now (live: two grouped counts on indexed tables)."""
    start, end = day_bounds(filters.since)[0], day_bounds(filters.until)[1]
    orders = _narrow(
        visibility_scope(user).filter(ProductOrder.objects.filter(created_at__gte=start, created_at__lt=end)),
        user,
        filters,
        drill,
        team=False,
    )
    work = _narrow(
        visibility_scope(user).filter(WorkOrder.objects.filter(created_at__gte=start, created_at__lt=end)),
        user,
        filters,
        drill,
    )
    by_state = {}
    for name, queryset in (("orders", orders), ("work", work)):
        by_state[name] = dict(queryset.values("state").annotate(n=Count("pk")).order_by().values_list("state", "n"))
    return by_state["orders"], by_state["work"]


def late_work_order_list(user, filters: Filters, drill: Drill) -> list[WorkOrder]:
    """The work orders at this position that missed a deadline falling in the period, earliest deadline first."""
    start, end = day_bounds(filters.since)[0], day_bounds(filters.until)[1]
    visible = visibility_scope(user).filter(WorkOrder.objects.select_related("team"))
    found = late_work_orders(_narrow(visible, user, filters, drill), start=start, end=end)
    return list(found.order_by("due_at", "id")[:MAX_LATE_ROWS])


def names(model, ids) -> dict[int, str]:
    return dict(model.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name"))


def on_time_percent(on_time: int, completed: int) -> Decimal | None:
    return (Decimal(on_time) * 100 / completed).quantize(Decimal("0.1")) if completed else None
