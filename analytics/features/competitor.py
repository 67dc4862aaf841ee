"""The input of ``competitor_share_3m``: per customer, identified voice calls (the other party's number in a known
mobile range, ``NumberRange``) and those with competitor networks, over the 3 full months that ended on or before
the cut-off, so nothing dated after the cut-off is read. Same number-range matching as the competitor dashboard."""

from __future__ import annotations

import datetime

import pandas as pd
from django.db import connection

from analytics.dashboards.competitor.marts import WINDOW_MONTHS, local_start, number_prefix_sql
from analytics.models import NumberRange
from billing_sync.models import UsageRecord
from orders.models import Product

from .loader import last_full_month, month_add

COLUMNS = ["customer_id", "competitor_calls", "identified_calls"]


def competitor_calls(as_of: datetime.date, lo: int, hi: int) -> pd.DataFrame:
    """customer_id, competitor_calls, identified_calls of customers ``lo <= id < hi`` (customers without identified
    calls are absent). The product sub-select lets PostgreSQL use the usage index on (product, start time)."""
    last = last_full_month(as_of)
    usage, ranges, products = (connection.ops.quote_name(m._meta.db_table) for m in (UsageRecord, NumberRange, Product))
    sql = f"""
        SELECT u.customer_id, SUM(CASE WHEN nr.is_own = %(no)s THEN 1 ELSE 0 END), COUNT(*)
        FROM {usage} u
        JOIN {ranges} nr ON nr.prefix = {number_prefix_sql()}
        WHERE u.started_at >= %(start)s AND u.started_at < %(end)s AND u.usage_type = 'voice'
          AND u.customer_id >= %(lo)s AND u.customer_id < %(hi)s
          AND u.product_id IN (SELECT p.id FROM {products} p WHERE p.customer_id >= %(lo)s AND p.customer_id < %(hi)s)
        GROUP BY u.customer_id"""  # noqa: S608 - the models' own table names; values are parameters
    params = {
        "no": False,
        "lo": lo,
        "hi": hi,
        "start": local_start(month_add(last, 1 - WINDOW_MONTHS)),
        "end": local_start(month_add(last, 1)),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS)
    return frame.astype({"customer_id": "int64", "competitor_calls": "float64", "identified_calls": "float64"})
