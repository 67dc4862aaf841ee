"""Aggregate tables of the competitor dashboard (竞争对手分析): our customers' calls with each network per month
(``competitor_monthly``) and the customers whose calls move towards competitors (``competitor_shift``). A call's
network is the number range (``NumberRange``, 号段) of the other party's first three digits after +86/0086/86: the
mobile ranges are three-digit, so an equality join on that prefix is the longest-prefix match."""

from __future__ import annotations

import datetime

from django.db import connection

from analytics.models import CompetitorMonthly, CompetitorShift, NumberRange
from billing_sync.models import UsageRecord
from customers.models import Customer

from ..finance import months_between, next_month
from ..marts import MartSpec, register_mart
from ..network.marts import day_bounds, db_datetime

# A shift is listed when the customer made this many identified calls in each window and the competitors' share
# rose by at least RISE (0.15 = 15 percentage points).
MIN_CALLS = 20
RISE = 0.15
WINDOW_MONTHS = 3


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def number_prefix_sql(column: str = "u.other_number") -> str:
    """SQL (PostgreSQL and SQLite) for the three digits after the country code of a number; '%%' because the
    statements always run with parameters."""
    return (
        f"CASE WHEN {column} LIKE '+86%%' THEN substr({column}, 4, 3)"
        f" WHEN {column} LIKE '0086%%' THEN substr({column}, 5, 3)"
        f" WHEN {column} LIKE '86%%' AND length({column}) = 13 THEN substr({column}, 3, 3)"
        f" ELSE substr({column}, 1, 3) END"
    )


def month_shift(month: datetime.date, by: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + by
    return datetime.date(index // 12, index % 12 + 1, 1)


def local_start(day: datetime.date):
    """The start of a local day as a raw-SQL parameter."""
    return db_datetime(day_bounds(day)[0])


_MONTHLY_SQL = """
INSERT INTO {monthly} (month, region_id, operator, outgoing, calls, seconds, customers)
SELECT %s, c.region_id, COALESCE(nr.operator, ''), u.outgoing, COUNT(*), SUM(u.duration_s),
       COUNT(DISTINCT u.customer_id)
FROM {usage} u
JOIN {customer} c ON c.id = u.customer_id
LEFT JOIN {ranges} nr ON nr.prefix = {prefix}
WHERE u.started_at >= %s AND u.started_at < %s AND u.usage_type = 'voice' AND u.other_number <> ''
GROUP BY c.region_id, COALESCE(nr.operator, ''), u.outgoing
"""


def competitor_monthly_refresh(since: datetime.date, until: datetime.date) -> int:
    """Voice calls per month, customer region, network of the other party ('' = not a known mobile range: fixed
    lines, abroad, service numbers) and direction."""
    names = {
        "monthly": _table(CompetitorMonthly),
        "usage": _table(UsageRecord),
        "customer": _table(Customer),
        "ranges": _table(NumberRange),
        "prefix": number_prefix_sql(),
    }
    rows = 0
    for month in months_between(since, until):
        CompetitorMonthly.objects.filter(month=month).delete()
        with connection.cursor() as cursor:
            cursor.execute(_MONTHLY_SQL.format(**names), [month, local_start(month), local_start(next_month(month))])
            rows += max(cursor.rowcount, 0)
    return rows


_SHARES_SQL = """
SELECT u.customer_id, c.region_id,
       SUM(CASE WHEN u.started_at >= %(recent)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN u.started_at >= %(recent)s AND nr.is_own = %(no)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN u.started_at < %(recent)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN u.started_at < %(recent)s AND nr.is_own = %(no)s THEN 1 ELSE 0 END)
FROM {usage} u
JOIN {customer} c ON c.id = u.customer_id
JOIN {ranges} nr ON nr.prefix = {prefix}
WHERE u.started_at >= %(start)s AND u.started_at < %(end)s AND u.usage_type = 'voice'
GROUP BY u.customer_id, c.region_id
HAVING SUM(CASE WHEN u.started_at >= %(recent)s THEN 1 ELSE 0 END) >= %(min_calls)s
   AND SUM(CASE WHEN u.started_at < %(recent)s THEN 1 ELSE 0 END) >= %(min_calls)s
"""

_MAIN_SQL = """
SELECT u.customer_id, nr.operator, COUNT(*)
FROM {usage} u
JOIN {ranges} nr ON nr.prefix = {prefix}
WHERE u.started_at >= %(recent)s AND u.started_at < %(end)s AND u.usage_type = 'voice' AND nr.is_own = %(no)s
  AND u.customer_id IN ({ids})
GROUP BY u.customer_id, nr.operator
"""


def shifts_for(month: datetime.date) -> list[CompetitorShift]:
    """Customers whose share of identified calls with competitor networks rose by RISE or more: the 3 months ending
    with ``month`` against the 3 before (fewer where the usage records kept do not reach that far; a customer needs
    MIN_CALLS identified calls in each window)."""
    names = {
        "usage": _table(UsageRecord),
        "customer": _table(Customer),
        "ranges": _table(NumberRange),
        "prefix": number_prefix_sql(),
    }
    params = {
        "recent": local_start(month_shift(month, 1 - WINDOW_MONTHS)),
        "start": local_start(month_shift(month, 1 - 2 * WINDOW_MONTHS)),
        "end": local_start(next_month(month)),
        "no": False,
        "min_calls": MIN_CALLS,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SHARES_SQL.format(**names), params)
        candidates = cursor.fetchall()
    shifts: dict[int, CompetitorShift] = {}
    for customer_id, region_id, calls_recent, comp_recent, calls_before, comp_before in candidates:
        recent, before = comp_recent / calls_recent, comp_before / calls_before
        if recent - before >= RISE - 1e-9:
            shifts[customer_id] = CompetitorShift(
                month=month,
                customer_id=customer_id,
                region_id=region_id,
                share_recent=round(recent, 4),
                share_before=round(before, 4),
                calls_recent=calls_recent,
            )
    ids = sorted(shifts)
    for i in range(0, len(ids), 1000):
        chunk = ids[i : i + 1000]
        main: dict[int, tuple[int, str]] = {}
        with connection.cursor() as cursor:
            cursor.execute(_MAIN_SQL.format(ids=", ".join(str(int(c)) for c in chunk), **names), params)
            for customer_id, operator, calls in cursor.fetchall():
                if (calls, operator) > main.get(customer_id, (0, "")):
                    main[customer_id] = (calls, operator)
        for customer_id, (_calls, operator) in main.items():
            shifts[customer_id].operator = operator
    return list(shifts.values())


def competitor_shift_refresh(since: datetime.date, until: datetime.date) -> int:
    """The shifts as of each month touching [since, until] (a month still running: its days so far)."""
    rows = 0
    for month in months_between(since, until):
        CompetitorShift.objects.filter(month=month).delete()
        built = shifts_for(month)
        CompetitorShift.objects.bulk_create(built, batch_size=1000)
        rows += len(built)
    return rows


register_mart(MartSpec(name="competitor_monthly", refresh=competitor_monthly_refresh, monthly=True, default_days=31))
register_mart(MartSpec(name="competitor_shift", refresh=competitor_shift_refresh, monthly=True, default_days=31))
