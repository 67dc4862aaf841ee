"""The segmentation loader: one row per live customer with what RFM, the groups and the clusters need, as of a
cut-off date, in one SQL statement per id range (or id list), into compact dtypes."""

from __future__ import annotations

import datetime

import pandas as pd

from crm.db_router import replica_cursor

from ..sql import (
    array,
    as_date,
    date_add,
    days_between,
    greatest,
    in_list,
    least,
    local_date,
    midnight,
    month_end,
    seeded_order,
)

LIVE = ("active", "suspended")
COLUMNS = [
    "customer_id", "region_id", "recency_days", "frequency", "monetary", "arpu",
    "voice_min", "data_mb", "sms", "roaming", "active_months_3m",
]  # fmt: skip


def _sql(where: str, *, id_range: bool = False) -> str:
    live = in_list("status", "%(live)s")
    # A chunk reads each history table by its (customer_id, …) index over the id range, in index order, so each
    # aggregate runs without a sort; the final join keeps the live customers. Joined to the live customers instead,
    # the planner walked each index from the first customer to the chunk's last, so chunk k of n read k/n of the
    # table (at 1M, 20 chunks read ten tables' worth), and sorted what it found on disk.
    scope = "customer_id >= %(lo)s AND customer_id < %(hi)s" if id_range else "customer_id IN (SELECT id FROM c)"
    active = "voice_seconds > 0 OR data_kb > 0 OR sms_count > 0"
    cut = as_date("%(cut)s")
    # (LEAST ignores NULLs: without the CASE a customer with no usage would look active yesterday.)
    last_usage = f"CASE WHEN u.last_month IS NOT NULL THEN {least(month_end('u.last_month'), date_add(cut, -1))} END"
    recency = days_between(cut, f"coalesce({local_date('p.last_paid')}, {last_usage})")
    return f"""
WITH c AS (
    SELECT id, region_id FROM customers_customer WHERE {live} AND {where}
),
u AS (
    SELECT customer_id,
           max(month) FILTER (WHERE {active}) AS last_month,
           sum(voice_seconds) FILTER (WHERE month >= %(m3)s) / 60.0 / 3 AS voice_min,
           sum(data_kb) FILTER (WHERE month >= %(m3)s) / 1024.0 / 3 AS data_mb,
           sum(sms_count) FILTER (WHERE month >= %(m3)s) / 3.0 AS sms,
           sum(roaming_records) FILTER (WHERE month >= %(m3)s) / 3.0 AS roaming,
           count(DISTINCT month) FILTER (WHERE month >= %(m3)s AND ({active})) AS active_months_3m,
           count(DISTINCT month) FILTER (WHERE {active}) AS months
    FROM billing_sync_usagemonthly
    WHERE {scope} AND month >= %(m12)s AND month < %(cut)s
    GROUP BY customer_id
),
p AS (
    SELECT customer_id, max(paid_at) AS last_paid, count(*) AS payments
    FROM billing_sync_payment
    WHERE {scope} AND paid_at >= %(m12_at)s AND paid_at < %(cut_at)s
    GROUP BY customer_id
),
b AS (
    SELECT customer_id, sum(amount_due) AS billed, count(DISTINCT period_start) AS months
    FROM billing_sync_customerbill
    WHERE {scope} AND period_start >= %(m12)s AND period_start < %(cut)s
    GROUP BY customer_id
)
SELECT c.id, c.region_id,
       -- Recency is the last payment (a transaction with us; usage is daily for nearly everyone, so it would
       -- tie the whole base at "yesterday"); customers who paid nothing in 12 months fall back to their last usage.
       {recency} AS recency_days,
       {greatest("coalesce(p.payments, 0)", "coalesce(u.months, 0)")} AS frequency,
       coalesce(b.billed, 0) AS monetary,
       coalesce(b.billed * 1.0 / NULLIF(b.months, 0), 0) AS arpu,
       coalesce(u.voice_min, 0), coalesce(u.data_mb, 0), coalesce(u.sms, 0), coalesce(u.roaming, 0),
       coalesce(u.active_months_3m, 0)
FROM c LEFT JOIN u ON u.customer_id = c.id LEFT JOIN p ON p.customer_id = c.id LEFT JOIN b ON b.customer_id = c.id
ORDER BY c.id
"""  # noqa: S608 - table names and helper expressions only; every value is a parameter


def _months_back(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def segment_frame(
    as_of: datetime.date, *, lo: int | None = None, hi: int | None = None, ids: list[int] | None = None
) -> pd.DataFrame:
    """Live customers with ``lo <= id < hi`` (or the given ids) and their RFM and usage figures up to ``as_of``
    (inclusive: everything before the day after). Usage is the monthly average of the last three months."""
    if ids is not None:
        where, extra = in_list("id", "%(ids)s"), {"ids": array(int(i) for i in ids)}
    else:
        where, extra = "id >= %(lo)s AND id < %(hi)s", {"lo": lo, "hi": hi}
    cut, m12 = as_of + datetime.timedelta(days=1), _months_back(as_of, 11)
    params = {
        "live": array(LIVE),
        "cut": cut,
        "cut_at": midnight(cut),
        "m3": _months_back(as_of, 2),
        "m12": m12,
        "m12_at": midnight(m12),
        **extra,
    }
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        cursor.execute(_sql(where, id_range=ids is None), params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("recency_days", "monetary", "arpu", "voice_min", "data_mb", "sms", "roaming"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float32")
    for column in ("frequency", "active_months_3m"):
        frame[column] = frame[column].astype("int16")
    frame["region_id"] = frame["region_id"].astype("int32")
    return frame.set_index("customer_id")


def live_customer_sample(size: int, *, seed: float = 0.42) -> list[int]:
    """A random sample of live customers' ids (repeatable: the same seed gives the same sample on the same data)."""
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        order = seeded_order(cursor, seed)
        cursor.execute(
            f"SELECT id FROM customers_customer WHERE {in_list('status')} ORDER BY {order} LIMIT %s",  # noqa: S608
            [array(LIVE), size],
        )
        return [row[0] for row in cursor.fetchall()]
