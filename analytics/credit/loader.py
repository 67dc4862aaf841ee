"""The credit loader: payment-behaviour features as of a cut-off (only what was known then), and the bad-debt
outcome of a window after it, by SQL per id range or id list into compact dtypes.

A bill counts as late if it was not settled by its due date; as of a past cut-off, a bill settled after the cut-off
was still open then (``settled_at`` decides, never today's ``amount_paid``), so a training row sees no future."""

from __future__ import annotations

import datetime

import pandas as pd
from django.conf import settings
from django.db import connection

from .scorecard import FEATURES

LIVE = ("active", "suspended")

_FEATURES_SQL = """
WITH c AS (
    SELECT id, region_id, coalesce(since, created_at::date) AS since
    FROM customers_customer
    WHERE {where} AND coalesce(since, created_at::date) < %(cut)s {live}
),
b AS (
    SELECT customer_id,
           count(*) FILTER (
               WHERE due_date >= %(y1)s AND (settled_at IS NULL OR (settled_at AT TIME ZONE %(tz)s)::date > due_date)
           ) AS late_bills,
           avg(LEAST(coalesce((settled_at AT TIME ZONE %(tz)s)::date, %(cut)s), %(cut)s) - due_date) FILTER (
               WHERE due_date >= %(y1)s AND (settled_at IS NULL OR (settled_at AT TIME ZONE %(tz)s)::date > due_date)
           ) AS days_late,
           count(*) FILTER (
               WHERE due_date >= %(y1)s AND due_date + 30 < %(cut)s
                 AND (settled_at IS NULL OR (settled_at AT TIME ZONE %(tz)s)::date > due_date + 30)
           ) AS arrears_bills,
           sum(amount_due) FILTER (WHERE settled_at IS NULL OR settled_at >= %(cut)s::timestamp AT TIME ZONE %(tz)s)
               AS arrears_now,
           avg(amount_due) FILTER (WHERE period_start >= %(m6)s) AS bill_avg
    FROM billing_sync_customerbill
    WHERE customer_id IN (SELECT id FROM c) AND due_date < %(cut)s AND amount_due > 0
    GROUP BY customer_id
),
p AS (
    SELECT customer_id, count(*) AS payments FROM billing_sync_payment
    WHERE customer_id IN (SELECT id FROM c)
      AND paid_at >= %(y1)s::timestamp AT TIME ZONE %(tz)s AND paid_at < %(cut)s::timestamp AT TIME ZONE %(tz)s
    GROUP BY customer_id
),
d AS (
    SELECT customer_id, count(*) AS cases FROM billing_sync_dunningcase
    WHERE customer_id IN (SELECT id FROM c)
      AND opened_at >= %(y1)s::timestamp AT TIME ZONE %(tz)s AND opened_at < %(cut)s::timestamp AT TIME ZONE %(tz)s
    GROUP BY customer_id
)
SELECT c.id, c.region_id,
       coalesce(b.late_bills, 0), coalesce(b.days_late, 0), coalesce(b.arrears_bills, 0), coalesce(d.cases, 0),
       coalesce(b.arrears_now, 0), (%(cut)s::date - c.since) / 30.44, coalesce(p.payments, 0), coalesce(b.bill_avg, 0)
FROM c LEFT JOIN b ON b.customer_id = c.id LEFT JOIN p ON p.customer_id = c.id LEFT JOIN d ON d.customer_id = c.id
ORDER BY c.id
"""

# Bad debt (坏账) in (cut, end]: a bill unpaid more than 90 days at some point of the window, arrears written off,
# or services disconnected for arrears.
_BAD_SQL = """
SELECT DISTINCT customer_id FROM billing_sync_customerbill
 WHERE customer_id = ANY(%(ids)s) AND amount_due > 0 AND due_date + 90 <= %(end)s
   AND (settled_at IS NULL OR (settled_at AT TIME ZONE %(tz)s)::date > GREATEST(due_date + 90, %(cut)s))
UNION
SELECT customer_id FROM billing_sync_dunningcase
 WHERE customer_id = ANY(%(ids)s) AND status = 'written_off'
   AND closed_at >= %(cut)s::timestamp AT TIME ZONE %(tz)s AND closed_at < %(end1)s::timestamp AT TIME ZONE %(tz)s
UNION
SELECT dc.customer_id FROM billing_sync_dunningaction da JOIN billing_sync_dunningcase dc ON dc.id = da.case_id
 WHERE dc.customer_id = ANY(%(ids)s) AND da.kind = 'terminate'
   AND da.at >= %(cut)s::timestamp AT TIME ZONE %(tz)s AND da.at < %(end1)s::timestamp AT TIME ZONE %(tz)s
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
        where, extra = "id = ANY(%(ids)s)", {"ids": list(ids)}
    else:
        where, extra = "id >= %(lo)s AND id < %(hi)s", {"lo": lo, "hi": hi}
    params = {
        "cut": cut,
        "y1": cut - datetime.timedelta(days=365),
        "m6": cut - datetime.timedelta(days=182),
        "tz": settings.TIME_ZONE,
        "live": list(LIVE),
        **extra,
    }
    live = "AND status = ANY(%(live)s)" if live_only else ""
    with connection.cursor() as cursor:
        cursor.execute(_FEATURES_SQL.format(where=where, live=live), params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["customer_id", "region_id", *FEATURES])
    for column in FEATURES:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("float32")
    return frame.set_index("customer_id")


def bad_debt_ids(ids: list[int], *, cut: datetime.date, end: datetime.date) -> set[int]:
    """Which of these customers went bad in ``(cut, end]``."""
    params = {
        "ids": list(ids),
        "cut": cut,
        "end": end,
        "end1": end + datetime.timedelta(days=1),
        "tz": settings.TIME_ZONE,
    }
    with connection.cursor() as cursor:
        cursor.execute(_BAD_SQL, params)
        return {row[0] for row in cursor.fetchall()}


def training_sample(cut: datetime.date, size: int, *, seed: float = 0.42) -> list[int]:
    """Customers with a bill before the cut-off (a payment history to learn from), a repeatable random sample."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            """SELECT id FROM customers_customer c
                WHERE EXISTS (SELECT 1 FROM billing_sync_customerbill b WHERE b.customer_id = c.id AND b.bill_date < %s)
                ORDER BY random() LIMIT %s""",
            [cut, size],
        )
        return [row[0] for row in cursor.fetchall()]
