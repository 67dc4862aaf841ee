"""Reads of the manager reports: outlet commission statements (代理商佣金结算单) and time-limit KPIs (时限达标率).

Each read applies the user's visibility at region level (reports compare teams, so grids do not narrow them) and
runs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Sum
from django.utils import timezone

from crm.accounts.models import OrgUnit, Region
from crm.accounts.selectors import visibility_scope
from crm.sla.models import SlaBreach
from crm.sla.selectors import KpiRow, breach_kpis

from ..models import CommissionEntry, OrderType, WorkOrder

COMMISSION_OUTLET_KINDS = (OrgUnit.Kind.PARTNER_HALL, OrgUnit.Kind.AGENT_OUTLET)
MAX_STATEMENT_LINES = 5000  # far above a month of one outlet; a longer statement says it is cut
RECENT_BREACHES = 50


# --- Commission statements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeTotal:
    orders: int
    amount: Decimal


@dataclass
class OutletCommission:
    """One outlet's line of the monthly statement: its commissioned orders and amount, in total and per order type."""

    outlet: OrgUnit
    orders: int = 0
    amount: Decimal = Decimal(0)
    by_type: dict[str, TypeTotal] = field(default_factory=dict)


@dataclass(frozen=True)
class CommissionStatement:
    month: datetime.date
    outlets: list[OutletCommission]  # largest amount first
    order_types: list[str]  # the order types that occur, in OrderType order
    orders: int
    amount: Decimal


def commission_statement(user, *, month: datetime.date, region: Region | int | None = None) -> CommissionStatement:
    """The commissions of ``month`` per outlet the user may see (by the outlet's region), optionally of one region."""
    entries = visibility_scope(user).filter(
        CommissionEntry.objects.filter(month=month.replace(day=1)), region_lookup="outlet__region_id"
    )
    if region is not None:
        entries = entries.filter(outlet__region=region)
    rows = list(
        entries.values("outlet_id", "order__order_type").annotate(orders=Count("pk"), amount=Sum("amount")).order_by()
    )
    outlets = OrgUnit.objects.select_related("region").in_bulk({row["outlet_id"] for row in rows}) if rows else {}
    lines: dict[int, OutletCommission] = {}
    for row in rows:
        line = lines.setdefault(row["outlet_id"], OutletCommission(outlet=outlets[row["outlet_id"]]))
        line.by_type[row["order__order_type"]] = TypeTotal(row["orders"], row["amount"])
        line.orders += row["orders"]
        line.amount += row["amount"]
    present = {row["order__order_type"] for row in rows}
    ordered = sorted(lines.values(), key=lambda line: (-line.amount, line.outlet.code))
    return CommissionStatement(
        month=month.replace(day=1),
        outlets=ordered,
        order_types=[value for value in OrderType.values if value in present],
        orders=sum(line.orders for line in ordered),
        amount=sum((line.amount for line in ordered), Decimal(0)),
    )


@dataclass(frozen=True)
class OutletStatement:
    """One outlet's statement of a month (结算单明细): every commissioned order, oldest first."""

    outlet: OrgUnit
    month: datetime.date
    entries: list[CommissionEntry]
    orders: int
    amount: Decimal
    truncated: bool


def outlet_commission_statement(user, *, outlet_code: str, month: datetime.date) -> OutletStatement:
    """Raises ``OrgUnit.DoesNotExist`` for an outlet that earns no commission or that the user may not see."""
    outlets = visibility_scope(user).filter(OrgUnit.objects.select_related("region"))
    outlet = outlets.get(code=outlet_code, kind__in=COMMISSION_OUTLET_KINDS)
    month = month.replace(day=1)
    entries = CommissionEntry.objects.filter(outlet=outlet, month=month)
    totals = entries.aggregate(orders=Count("pk"), amount=Sum("amount"))
    lines = list(
        entries.select_related("order__offering").order_by("order__completed_at", "id")[: MAX_STATEMENT_LINES + 1]
    )
    return OutletStatement(
        outlet=outlet,
        month=month,
        entries=lines[:MAX_STATEMENT_LINES],
        orders=totals["orders"],
        amount=totals["amount"] or Decimal(0),
        truncated=len(lines) > MAX_STATEMENT_LINES,
    )


# --- Time-limit KPIs -----------------------------------------------------------------------------------------


def work_order_kpis(
    user, *, since: datetime.datetime, until: datetime.datetime, region: Region | int | None = None
) -> list[KpiRow]:
    """On-time rates per work type of the work orders the user may see whose clock stopped in [since, until)."""
    visible = visibility_scope(user).filter(WorkOrder.objects.all())
    return breach_kpis(queryset=visible, since=since, until=until, region=region)


@dataclass(frozen=True)
class BreachLine:
    breach: SlaBreach
    wo_no: str
    late_by: datetime.timedelta  # finished − due, or now − due while the work order is still open
    still_open: bool


def recent_work_order_breaches(
    user,
    *,
    since: datetime.datetime,
    until: datetime.datetime,
    region: Region | int | None = None,
    limit: int = RECENT_BREACHES,
) -> list[BreachLine]:
    """The latest work-order breaches recorded in [since, until) in the regions the user may see."""
    breaches = SlaBreach.objects.filter(
        content_type=ContentType.objects.get_for_model(WorkOrder), breached_at__gte=since, breached_at__lt=until
    )
    breaches = visibility_scope(user).filter(breaches)
    if region is not None:
        breaches = breaches.filter(region=region)
    found = list(breaches.select_related("region").order_by("-breached_at", "-id")[:limit])
    # The generic key is resolved in one query, not one per row.
    numbers = dict(WorkOrder.objects.filter(pk__in={b.object_id for b in found}).values_list("pk", "wo_no"))
    now = timezone.now()
    return [
        BreachLine(
            breach=b,
            wo_no=numbers.get(b.object_id, ""),
            late_by=(b.finished_at or now) - b.due_at,
            still_open=b.finished_at is None,
        )
        for b in found
    ]
