"""Reads of the network dashboard: the usage marts, the ticket mart by grid and area, and two small live reads
(fraud alerts by area, usage per offering from the monthly usage of each subscription)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.db.models.functions import ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import CellDaily, FraudAlert, TicketDaily, UsageHourly
from billing_sync.models import UsageMonthly
from crm.accounts.models import Area, Grid
from orders.models import ProductOrder

from ..base import Filters, region_filter

WEEKDAYS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
AREA_MEASURES = (("faults", _("fault reports")), ("complaints", _("complaints")), ("fraud", _("fraud alerts")))
TICKET_MEASURE = {"fault": "faults", "complaint": "complaints", "regulator_complaint": "complaints"}
CHANGES_READ = 5000  # completed changes of offering read per page view (the newest)


def _days(filters: Filters):
    return {"day__gte": filters.since, "day__lte": filters.until}


def usage_totals(filters: Filters, narrow) -> dict:
    row = narrow(UsageHourly.objects.filter(**_days(filters))).aggregate(
        records=Sum("records"), seconds=Sum("seconds"), data_kb=Sum("data_kb"), charge=Sum("charge")
    )
    return {k: v or (Decimal("0") if k == "charge" else 0) for k, v in row.items()}


def traffic_by_hour(filters: Filters, narrow) -> dict[str, list]:
    """Per hour of the day: records, voice minutes and data in MB over the period."""
    out = {"records": [0] * 24, "minutes": [0] * 24, "data_mb": [0] * 24}
    rows = (
        narrow(UsageHourly.objects.filter(**_days(filters)))
        .values("hour")
        .annotate(records=Sum("records"), seconds=Sum("seconds"), data_kb=Sum("data_kb"))
        .order_by()
    )
    for row in rows:
        out["records"][row["hour"]] = row["records"]
        out["minutes"][row["hour"]] = row["seconds"] // 60
        out["data_mb"][row["hour"]] = row["data_kb"] // 1024
    return out


def weekday_counts(since: datetime.date, until: datetime.date) -> list[int]:
    """How many Mondays … Sundays the period has (up to today): to average records per day."""
    counts = [0] * 7
    day, last = since, min(until, timezone.localdate())
    while day <= last:
        counts[day.weekday()] += 1
        day += datetime.timedelta(days=1)
    return counts


def week_heat(filters: Filters, narrow) -> list[list]:
    """[hour, weekday index (Monday 0), records per such day] for the heat chart."""
    rows = (
        narrow(UsageHourly.objects.filter(**_days(filters)))
        .annotate(weekday=ExtractIsoWeekDay("day"))
        .values("weekday", "hour")
        .annotate(records=Sum("records"))
        .order_by()
    )
    counts = weekday_counts(filters.since, filters.until)
    return [
        [row["hour"], row["weekday"] - 1, round(row["records"] / max(counts[row["weekday"] - 1], 1), 1)] for row in rows
    ]


def top_cells(filters: Filters, narrow, top: int) -> dict[str, list[dict]]:
    """The cells with the most records and with the most charges in the period."""
    cells = (
        narrow(CellDaily.objects.filter(**_days(filters)))
        .values("cell_id")
        .annotate(
            records=Sum("records"),
            seconds=Sum("seconds"),
            data_kb=Sum("data_kb"),
            charge=Sum("charge"),
            subscribers=Max("subscribers"),
        )
    )

    def rows(order: str) -> list[dict]:
        return [
            {
                "cell_id": c["cell_id"],
                "records": c["records"],
                "minutes": c["seconds"] // 60,
                "data_mb": c["data_kb"] // 1024,
                "charge": round(float(c["charge"]), 2),
                "subscribers": c["subscribers"],
            }
            for c in cells.order_by(f"-{order}", "cell_id")[:top]
        ]

    return {"traffic": rows("records"), "revenue": rows("charge")}


def _ticket_counts(filters: Filters, narrow) -> dict[int | None, dict[str, int]]:
    """Fault reports and complaints opened in the period per grid (None: tickets without a grid)."""
    counts: dict[int | None, dict[str, int]] = defaultdict(lambda: {"faults": 0, "complaints": 0, "fraud": 0})
    rows = (
        narrow(TicketDaily.objects.filter(**_days(filters), ticket_type__in=list(TICKET_MEASURE)))
        .values("grid_id", "ticket_type")
        .annotate(opened=Sum("opened"))
        .order_by()
    )
    for row in rows:
        counts[row["grid_id"]][TICKET_MEASURE[row["ticket_type"]]] += row["opened"]
    return counts


def _fraud_counts(filters: Filters, user, counts: dict) -> None:
    """Fraud alerts raised in the period per grid of the customer (a small live count: alerts are few)."""
    alerts = region_filter(filters, user)(FraudAlert.objects.filter(**_days(filters)))
    for row in alerts.values("customer__grid_id").annotate(n=Count("id")).order_by():
        counts[row["customer__grid_id"]]["fraud"] += row["n"]


def _grids(ids) -> dict[int, Grid]:
    return Grid.objects.select_related("area", "region").in_bulk([i for i in ids if i is not None])


def area_measures(filters: Filters, user, narrow) -> list[dict]:
    """Per area: fault reports, complaints, fraud alerts in the period, most first."""
    counts = _ticket_counts(filters, narrow)
    _fraud_counts(filters, user, counts)
    grids = _grids(counts)
    areas: dict[int | None, dict] = {}
    for grid_id, measures in counts.items():
        grid = grids.get(grid_id)
        key = grid.area_id if grid else None
        area = areas.setdefault(
            key,
            {
                "id": key or "",
                "name": grid.area.name if grid else str(_("(no grid)")),
                "region": grid.region.name if grid else "",
                "faults": 0,
                "complaints": 0,
                "fraud": 0,
            },
        )
        for measure, _label in AREA_MEASURES:
            area[measure] += measures[measure]
    return sorted(areas.values(), key=lambda a: (-(a["faults"] + a["complaints"] + a["fraud"]), a["name"]))


def grid_measures(filters: Filters, narrow, top: int) -> list[dict]:
    """Per grid (of the area drilled into, if any): fault reports and complaints, most first."""
    counts = _ticket_counts(filters, narrow)
    grids = _grids(counts)
    area = filters.params.get("area", "")
    rows = []
    for grid_id, measures in counts.items():
        grid = grids.get(grid_id)
        if area and (grid is None or str(grid.area_id) != area):
            continue
        rows.append(
            {
                "name": grid.name if grid else str(_("(no grid)")),
                "area": grid.area.name if grid else "",
                "faults": measures["faults"],
                "complaints": measures["complaints"],
                "fraud": measures["fraud"],
            }
        )
    rows.sort(key=lambda r: (-(r["faults"] + r["complaints"]), r["name"]))
    return rows[:top]


def area_name(area_id: str) -> str:
    area = Area.objects.filter(pk=area_id).first() if area_id.isdigit() else None
    return area.name if area else area_id


def _usage_months(filters: Filters, user):
    first, last = filters.months
    months = UsageMonthly.objects.filter(month__gte=first, month__lte=last)
    return region_filter(filters, user, field_name="customer__region_id")(months)


def _per_subscriber(row: dict, n: int) -> dict:
    return {
        "minutes": round(row["seconds"] / 60 / n, 1) if n else None,
        "data_mb": round(row["data_kb"] / 1024 / n, 1) if n else None,
        "sms": round(row["sms"] / n, 1) if n else None,
    }


def offering_usage(filters: Filters, user) -> list[dict]:
    """Average monthly usage per subscription by offering over the period (subscription-months)."""
    rows = (
        _usage_months(filters, user)
        .values("product__offering__code")
        .annotate(n=Count("id"), seconds=Sum("voice_seconds"), data_kb=Sum("data_kb"), sms=Sum("sms_count"))
        .order_by("-n", "product__offering__code")
    )
    return [
        {"offering": r["product__offering__code"] or "", "subscriptions": r["n"], **_per_subscriber(r, r["n"])}
        for r in rows
    ]


def offering_usage_monthly(filters: Filters, user) -> list[dict]:
    """Per offering and month: subscribers with usage and their average usage."""
    rows = (
        _usage_months(filters, user)
        .values("product__offering__code", "month")
        .annotate(n=Count("id"), seconds=Sum("voice_seconds"), data_kb=Sum("data_kb"), sms=Sum("sms_count"))
        .order_by("product__offering__code", "month")
    )
    return [
        {
            "offering": r["product__offering__code"] or "",
            "month": r["month"].strftime("%Y-%m"),
            "subscribers": r["n"],
            **_per_subscriber(r, r["n"]),
        }
        for r in rows
    ]


def _shift(month: datetime.date, by: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + by
    return datetime.date(index // 12, index % 12 + 1, 1)


def offering_changes(filters: Filters, user) -> list[dict]:
    """Changes of offering completed in the period, by the new offering: the subscriptions' average monthly usage
    in the 3 months before the month of the change and in the 3 months after."""
    start = timezone.make_aware(datetime.datetime.combine(filters.since, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(filters.until, datetime.time.max))
    orders = region_filter(filters, user)(
        ProductOrder.objects.filter(
            order_type="change",
            state="completed",
            completed_at__gte=start,
            completed_at__lte=end,
            product__isnull=False,
        )
    )
    changes = list(
        orders.order_by("-completed_at").values_list("product_id", "offering__code", "completed_at")[:CHANGES_READ]
    )
    if not changes:
        return []
    month_of = {p: timezone.localtime(at).date().replace(day=1) for p, _code, at in changes}
    first = _shift(min(month_of.values()), -3)
    last = _shift(max(month_of.values()), 3)
    usage = UsageMonthly.objects.filter(product_id__in=list(month_of), month__gte=first, month__lte=last).values_list(
        "product_id", "month", "voice_seconds", "data_kb"
    )
    sums: dict[str, dict[str, list]] = defaultdict(lambda: {"before": [0, 0, 0], "after": [0, 0, 0]})
    offering_of = {p: code or "" for p, code, _at in changes}
    for product_id, month, seconds, data_kb in usage:
        changed = month_of[product_id]
        if _shift(changed, -3) <= month < changed:
            side = "before"
        elif changed < month <= _shift(changed, 3):
            side = "after"
        else:
            continue
        acc = sums[offering_of[product_id]][side]
        acc[0], acc[1], acc[2] = acc[0] + seconds, acc[1] + data_kb, acc[2] + 1
    counts: dict[str, int] = defaultdict(int)
    for product_id in month_of:
        counts[offering_of[product_id]] += 1
    rows = []
    for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        before, after = sums[code]["before"], sums[code]["after"]
        rows.append(
            {
                "offering": code,
                "changes": n,
                "minutes_before": round(before[0] / 60 / before[2], 1) if before[2] else None,
                "minutes_after": round(after[0] / 60 / after[2], 1) if after[2] else None,
                "data_before": round(before[1] / 1024 / before[2], 1) if before[2] else None,
                "data_after": round(after[1] / 1024 / after[2], 1) if after[2] else None,
            }
        )
    return rows
