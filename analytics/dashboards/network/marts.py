"""Aggregate tables of the network dashboard: usage per day, hour, region and type (``usage_hourly``) and per day and
cell (``cells_daily``), built set-based from the usage records one local day at a time; each day's ``started_at``
range is given as bounds so PostgreSQL reads only that month's partition."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from analytics.models import CellDaily, UsageHourly
from billing_sync.models import UsageRecord
from customers.models import Customer

from ..marts import MartSpec, register_mart


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of a local day and of the next one."""
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def db_datetime(value: datetime.datetime):
    """A datetime as a raw-SQL parameter: SQLite stores naive UTC text, which an aware parameter would not match."""
    return connection.ops.adapt_datetimefield_value(value)


def days_between(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    return [since + datetime.timedelta(days=i) for i in range((until - since).days + 1)]


def _local_hour(day: datetime.date) -> tuple[str, list]:
    """SQL for the local hour of ``u.started_at`` and its parameters (PostgreSQL: the zone; SQLite: the offset)."""
    tz = timezone.get_default_timezone()
    if connection.vendor == "postgresql":
        return "CAST(EXTRACT(HOUR FROM u.started_at AT TIME ZONE %s) AS integer)", [str(tz)]
    offset = datetime.datetime.combine(day, datetime.time(12), tzinfo=tz).utcoffset() or datetime.timedelta()
    return "CAST(strftime('%%H', u.started_at, %s) AS integer)", [f"{int(offset.total_seconds()) // 60:+d} minutes"]


_HOURLY_SQL = """
INSERT INTO {hourly} (day, hour, region_id, usage_type, records, seconds, data_kb, charge)
SELECT %s, {hour} AS hour, c.region_id, u.usage_type, COUNT(*), SUM(u.duration_s), SUM(u.volume_kb), SUM(u.charge)
FROM {usage} u
JOIN {customer} c ON c.id = u.customer_id
WHERE u.started_at >= %s AND u.started_at < %s
GROUP BY 2, c.region_id, u.usage_type
"""

# Cells of our network only: roaming records carry the visited network's cell.
_CELLS_SQL = """
INSERT INTO {cells} (day, cell_id, region_id, records, seconds, data_kb, charge, subscribers)
SELECT %s, u.cell_id, c.region_id, COUNT(*), SUM(u.duration_s), SUM(u.volume_kb), SUM(u.charge),
       COUNT(DISTINCT u.product_id)
FROM {usage} u
JOIN {customer} c ON c.id = u.customer_id
WHERE u.started_at >= %s AND u.started_at < %s AND u.cell_id <> '' AND u.roaming = 'none'
GROUP BY u.cell_id, c.region_id
"""


def usage_hourly_refresh(since: datetime.date, until: datetime.date) -> int:
    """Records, seconds, data and charges per local day, hour, customer region and usage type."""
    rows = 0
    for day in days_between(since, until):
        start, end = day_bounds(day)
        hour, hour_params = _local_hour(day)
        UsageHourly.objects.filter(day=day).delete()
        sql = _HOURLY_SQL.format(
            hourly=_table(UsageHourly), usage=_table(UsageRecord), customer=_table(Customer), hour=hour
        )
        with connection.cursor() as cursor:
            # GROUP BY 2 (the hour): PostgreSQL does not match two copies of a parameterised expression.
            cursor.execute(sql, [day, *hour_params, db_datetime(start), db_datetime(end)])
            rows += max(cursor.rowcount, 0)
    return rows


def cells_daily_refresh(since: datetime.date, until: datetime.date) -> int:
    """Per local day and cell (and the region of the customers using it): traffic, charges, distinct lines."""
    rows = 0
    sql = _CELLS_SQL.format(cells=_table(CellDaily), usage=_table(UsageRecord), customer=_table(Customer))
    for day in days_between(since, until):
        start, end = day_bounds(day)
        CellDaily.objects.filter(day=day).delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, [day, db_datetime(start), db_datetime(end)])
            rows += max(cursor.rowcount, 0)
    return rows


register_mart(MartSpec(name="usage_hourly", refresh=usage_hourly_refresh, default_days=3))
register_mart(MartSpec(name="cells_daily", refresh=cells_daily_refresh, default_days=3))
