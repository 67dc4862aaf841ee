"""The credit loader: payment-behaviour features as of a cut-off (only what was known then), and the bad-debt
outcome of a window after it, by SQL per id range or id list into compact dtypes.

A bill counts as late if it was not settled by its due date; as of a past cut-off, a bill settled after the cut-off
was still open then (``settled_at`` decides, never today's ``amount_paid``), so a training row sees no future."""

# ruff: noqa: S608 - the SQL is built from table names and ``analytics.sql`` expressions; every value is a parameter.

from __future__ import annotations

import datetime

import pandas as pd

from crm.db_router import replica_cursor

from ..sql import array, as_date, date_add, days_between, greatest, in_list, least, local_date, midnight, seeded_order
from .scorecard import FEATURES

LIVE = ("active", "suspended")


def _features_sql(where: str, live: str) -> str:
    local = local_date("settled_at")
    late = f"due_date >= %(y1)s AND (settled_at IS NULL OR {local} > due_date)"
    cut = as_date("%(cut)s")
    return f"""
WITH c AS (
    SELECT id, region_id, coalesce(since, {as_date("created_at")}) AS since
    FROM customers_customer
    WHERE {where} AND coalesce(since, {as_date("created_at")}) < %(cut)s {live}
),
b AS (
    SELECT customer_id,
           count(*) FILTER (WHERE {late}) AS late_bills,
           avg({days_between(least(f"coalesce({local}, {cut})", cut), "due_date")}) FILTER (WHERE {late}) AS days_late,
           count(*) FILTER (
               WHERE due_date >= %(y1)s AND {date_add("due_date", 30)} < %(cut)s
                 AND (settled_at IS NULL OR {local} > {date_add("due_date", 30)})
           ) AS arrears_bills,
           sum(amount_due) FILTER (WHERE settled_at IS NULL OR settled_at >= %(cut_at)s) AS arrears_now,
           avg(amount_due) FILTER (WHERE period_start >= %(m6)s) AS bill_avg
    FROM billing_sync_customerbill
    WHERE customer_id IN (SELECT id FROM c) AND due_date < %(cut)s AND amount_due > 0
    GROUP BY customer_id
),
p AS (
    SELECT customer_id, count(*) AS payments FROM billing_sync_payment
    WHERE customer_id IN (SELECT id FROM c) AND paid_at >= %(y1_at)s AND paid_at < %(cut_at)s
    GROUP BY customer_id
),
d AS (
    SELECT customer_id, count(*) AS cases FROM billing_sync_dunningcase
    WHERE customer_id IN (SELECT id FROM c) AND opened_at >= %(y1_at)s AND opened_at < %(cut_at)s
    GROUP BY customer_id
)
SELECT c.id, c.region_id,
       coalesce(b.late_bills, 0), coalesce(b.days_late, 0), coalesce(b.arrears_bills, 0), coalesce(d.cases, 0),
       coalesce(b.arrears_now, 0), {days_between(cut, "c.since")} / 30.44, coalesce(p.payments, 0),
       coalesce(b.bill_avg, 0)
FROM c LEFT JOIN b ON b.customer_id = c.id LEFT JOIN p ON p.customer_id = c.id LEFT JOIN d ON d.customer_id = c.id
ORDER BY c.id
"""


# Bad debt (坏账) in (cut, end]: a bill unpaid more than 90 days at some point of the window, arrears written off,
# or services disconnected for arrears.
def _bad_sql() -> str:
    ids = in_list("customer_id", "%(ids)s")
    return f"""
SELECT DISTINCT customer_id FROM billing_sync_customerbill
 WHERE {ids} AND amount_due > 0 AND {date_add("due_date", 90)} <= %(end)s
   AND (settled_at IS NULL OR {local_date("settled_at")} > {greatest(date_add("due_date", 90), as_date("%(cut)s"))})
UNION
SELECT customer_id FROM billing_sync_dunningcase
 WHERE {ids} AND status = 'written_off' AND closed_at >= %(cut_at)s AND closed_at < %(end_at)s
UNION
SELECT dc.customer_id FROM billing_sync_dunningaction da JOIN billing_sync_dunningcase dc ON dc.id = da.case_id
 WHERE {in_list("dc.customer_id", "%(ids)s")} AND da.kind = 'terminate' AND da.at >= %(cut_at)s AND da.at < %(end_at)s
"""


def credit_frame(
    cut: datetime.date,
    *,
    lo: int | None = None,
    hi: int | None = None,
    ids: list[int] | None = None,
    live_only: bool = True,
) -> pd.DataFrame:
    """Customers who existed before ``cut`` (live ones only, unless ``live_only`` is off for training) and their
    payment behaviour in the 12 months before it, indexed by customer id with ``region_id`` and ``FEATURES``."""
    if ids is not None:
        where, extra = in_list("id", "%(ids)s"), {"ids": array(int(i) for i in ids)}
    else:
        where, extra = "id >= %(lo)s AND id < %(hi)s", {"lo": lo, "hi": hi}
    y1 = cut - datetime.timedelta(days=365)
    params = {
        "cut": cut,
        "cut_at": midnight(cut),
        "y1": y1,
        "y1_at": midnight(y1),
        "m6": cut - datetime.timedelta(days=182),
        "live": array(LIVE),
        **extra,
    }
    live = f"AND {in_list('status', '%(live)s')}" if live_only else ""
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        cursor.execute(_features_sql(where, live), params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["customer_id", "region_id", *FEATURES])
    for column in FEATURES:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("float32")
    return frame.set_index("customer_id")


def bad_debt_ids(ids: list[int], *, cut: datetime.date, end: datetime.date) -> set[int]:
    """Which of these customers went bad in ``(cut, end]``."""
    params = {
        "ids": array(int(i) for i in ids),
        "cut": cut,
        "cut_at": midnight(cut),
        "end": end,
        "end_at": midnight(end + datetime.timedelta(days=1)),
    }
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        cursor.execute(_bad_sql(), params)
        return {row[0] for row in cursor.fetchall()}


def training_sample(cut: datetime.date, size: int, *, seed: float = 0.42) -> list[int]:
    """Customers with a bill before the cut-off (a payment history to learn from), a repeatable random sample."""
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        order = seeded_order(cursor, seed)
        cursor.execute(
            f"""SELECT id FROM customers_customer c
                WHERE EXISTS (SELECT 1 FROM billing_sync_customerbill b WHERE b.customer_id = c.id AND b.bill_date < %s)
                ORDER BY {order} LIMIT %s""",
            [cut, size],
        )
        return [row[0] for row in cursor.fetchall()]
