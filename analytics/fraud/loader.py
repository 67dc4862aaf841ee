"""The thin loader of the fraud run: raw SQL into compact DataFrames, never the ORM row by row.

Usage is read for one local day at a time with ``started_at`` bounds, so PostgreSQL prunes the month partitions, and
through the subscriptions of the chunk (customers ``lo <= id < hi``, or the given products for a batch), so it can
walk the (product_id, started_at) index instead of scanning a month. The 28-day baseline reads billing's daily sums
(UsageDaily), not 28 days of records."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd
from django.db import connection
from django.utils import timezone

from billing_sync.models import FeedBatch, Payment, UsageDaily, UsageRecord
from customers.models import Customer
from orders.models import Product

from ..sql import array, epoch_seconds, in_list, is_postgres, local_date, local_midnight, to_date, ts
from .detectors import USAGE_COLUMNS

USAGE = UsageRecord._meta.db_table
DAILY = UsageDaily._meta.db_table
PRODUCT = Product._meta.db_table
CUSTOMER = Customer._meta.db_table
PAYMENT = Payment._meta.db_table


@dataclass(frozen=True)
class Scope:
    """Whose usage to read: customers with ``lo <= id < hi``, or these products."""

    lo: int | None = None
    hi: int | None = None
    product_ids: tuple[int, ...] | None = None

    def sql(self, alias: str = "p") -> tuple[str, list]:
        if self.product_ids is not None:
            return in_list(f"{alias}.id"), [array(self.product_ids)]
        return f"{alias}.customer_id >= %s AND {alias}.customer_id < %s", [self.lo, self.hi]


def _usage_of(scope: Scope, condition: str, params: list) -> tuple[str, list]:
    """``FROM ... WHERE ...``: the usage records ``u`` meeting ``condition`` (its ``params``) of the scope's
    subscriptions, each joined to its subscription ``p``.

    For a batch's listed subscriptions on PostgreSQL, one (product_id, started_at) index range per subscription,
    whatever the planner believes about the day: right after a feed loads a day, the statistics say the day is
    empty, and the plan it then chose drove the join by the day and compared every record with every listed
    subscription (50 seconds for a batch of 50,000 records at 10,000 customers; half a second this way).

    For a chunk of customers on PostgreSQL, the same per subscription from the chunk's subscriptions: joined the
    plain way, every chunk scanned the whole day and looked each record's subscription up to keep its own (at 1M,
    2 million records and 1.8 s a chunk, 20 times a run; 0.3 s this way)."""
    if scope.product_ids is not None and is_postgres():
        # OFFSET 0 keeps the subquery per subscription (the planner would otherwise flatten it into one join)
        lateral = f"SELECT * FROM {USAGE} u WHERE u.product_id = s.id AND {condition} OFFSET 0"  # noqa: S608
        source = f"FROM unnest(%s::bigint[]) AS s(id) CROSS JOIN LATERAL ({lateral}) u JOIN {PRODUCT} p ON p.id = s.id"
        return source, [array(scope.product_ids), *params]
    where, scope_params = scope.sql()
    if is_postgres():
        lateral = f"SELECT * FROM {USAGE} u WHERE u.product_id = p.id AND {condition} OFFSET 0"  # noqa: S608
        return f"FROM {PRODUCT} p CROSS JOIN LATERAL ({lateral}) u WHERE {where}", [*params, *scope_params]
    source = f"FROM {USAGE} u JOIN {PRODUCT} p ON p.id = u.product_id WHERE {condition} AND {where}"
    return source, [*params, *scope_params]


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day as [start, end) aware datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))
    return start, end


def _frame(sql: str, params: list, columns: list[str]) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=columns)


def load_usage_day(day: datetime.date, scope: Scope) -> pd.DataFrame:
    """The day's usage records of the scope's subscriptions (USAGE_COLUMNS), owner as the subscription says now."""
    start, end = day_bounds(day)
    source, params = _usage_of(scope, "u.started_at >= %s AND u.started_at < %s", [ts(start), ts(end)])
    sql = f"""
        SELECT u.product_id, p.customer_id, u.service_number, {epoch_seconds("u.started_at")},
               u.usage_type, u.outgoing, u.other_number, u.duration_s, u.volume_kb, u.cell_id, CAST(u.charge AS float8)
        {source}
    """
    frame = _frame(sql, params, USAGE_COLUMNS)
    return usage_dtypes(frame)


def usage_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Compact dtypes: ids int64, counts int32, text as categories, money float32."""
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in USAGE_COLUMNS})
    return frame.astype(
        {"product_id": "int64", "customer_id": "int64", "started_s": "int64", "duration_s": "int32",
         "volume_kb": "int64", "outgoing": "bool", "charge": "float32", "usage_type": "category",
         "service_number": "category", "cell_id": "category", "other_number": "object"}
    )  # fmt: skip


def load_products(scope: Scope) -> pd.DataFrame:
    """The scope's subscriptions: product_id, customer_id, service_number, start_date."""
    where, params = scope.sql()
    sql = f"SELECT p.id, p.customer_id, p.service_number, p.start_date FROM {PRODUCT} p WHERE {where}"  # noqa: S608
    frame = _frame(sql, params, ["product_id", "customer_id", "service_number", "start_date"])
    return frame.assign(start_date=pd.to_datetime(frame["start_date"], errors="coerce"))


def load_baseline_daily(day: datetime.date, scope: Scope, *, window_days: int) -> pd.DataFrame:
    """Outbound voice minutes per subscription and local day over the ``window_days`` before ``day``.

    Read from the daily sums billing keeps as records load (UsageDaily: a row per line and local day with an outbound
    call, in TIME_ZONE, the zone jobs run in), so a run reads at most ``window_days`` small rows per line instead of the
    records of those days. A day whose outbound calls all lasted 0 seconds has its row (0 minutes), as when the
    records were grouped here: it counts as a day of history."""
    first = day - datetime.timedelta(days=window_days)
    adapt = connection.ops.adapt_datefield_value
    if scope.product_ids is not None:  # a batch's lines: one index range each, whatever the planner thinks of p
        source, where, params = f"FROM {DAILY} d", in_list("d.product_id"), [array(scope.product_ids)]
    else:
        source = f"FROM {DAILY} d JOIN {PRODUCT} p ON p.id = d.product_id"
        where, params = scope.sql()
    sql = f"""
        SELECT d.product_id, d.day, d.voice_out_seconds / 60.0
        {source}
        WHERE {where} AND d.day >= %s AND d.day < %s
    """
    frame = _frame(sql, [*params, adapt(first), adapt(day)], ["product_id", "day", "minutes"])
    return frame.astype({"product_id": "int64", "minutes": "float32"}) if not frame.empty else frame


def load_new_customers(day: datetime.date, scope: Scope, *, max_tenure_days: int) -> pd.DataFrame:
    """Customers who joined within ``max_tenure_days`` of ``day``, their usage charges since and payments since."""
    _start, end = day_bounds(day)
    earliest = day - datetime.timedelta(days=max_tenure_days)
    if scope.product_ids is not None:
        where = f"c.id IN (SELECT customer_id FROM {PRODUCT} WHERE {in_list('id')})"  # noqa: S608
        params = [array(scope.product_ids)]
    else:
        where, params = "c.id >= %s AND c.id < %s", [scope.lo, scope.hi]
    tz = timezone.get_current_timezone_name()
    since = f"COALESCE(c.since, {local_date('c.created_at', tz)})"
    sql = f"""
        SELECT c.id, c.customer_no, {since} AS since
        FROM {CUSTOMER} c
        WHERE {where} AND {since} >= %s
    """  # noqa: S608
    customers = _frame(sql, [*params, earliest], ["customer_id", "customer_no", "since"])
    if customers.empty:
        return customers.assign(charges=pd.Series(dtype="float64"), paid=pd.Series(dtype="float64"))
    ids = customers["customer_id"].astype("int64").tolist()
    since_start, _e = day_bounds(earliest)
    charges = _frame(*_new_customer_charges(ids, since, tz, ts(since_start), ts(end)), ["customer_id", "charges"])
    paid = _frame(
        f"""
        SELECT y.customer_id, CAST(SUM(y.amount) AS float8) FROM {PAYMENT} y JOIN {CUSTOMER} c ON c.id = y.customer_id
        WHERE {in_list("y.customer_id")} AND {in_list("c.id")} AND y.paid_at < %s
          AND y.paid_at >= {local_midnight(since, tz)}
        GROUP BY 1
        """,  # noqa: S608
        [array(ids), array(ids), ts(end)],
        ["customer_id", "paid"],
    )
    frame = customers.merge(charges, on="customer_id", how="left").merge(paid, on="customer_id", how="left")
    return frame.fillna({"charges": 0.0, "paid": 0.0}).assign(since=lambda f: pd.to_datetime(f["since"]))


def _new_customer_charges(ids: list[int], since: str, tz: str, start: object, end: object) -> tuple[str, list]:
    """Usage charges of these customers' lines from each customer's start until ``end`` (SQL and parameters).

    On PostgreSQL one (product_id, started_at) index range per line, as ``_usage_of`` reads a batch's lines: joined
    the plain way, the planner expected eight times the lines it found and read every usage record of the window in
    a parallel scan, for every chunk (61 million records at a million customers: 4-7 s a chunk, most of the daily
    run)."""
    if is_postgres():
        lateral = f"""SELECT u.charge FROM {USAGE} u
            WHERE u.product_id = p.id AND u.started_at >= %s AND u.started_at < %s
              AND u.started_at >= {local_midnight(since, tz)} OFFSET 0"""  # noqa: S608
        sql = f"""
            SELECT p.customer_id, CAST(SUM(u.charge) AS float8)
            FROM {CUSTOMER} c JOIN {PRODUCT} p ON p.customer_id = c.id CROSS JOIN LATERAL ({lateral}) u
            WHERE {in_list("c.id")} AND {in_list("p.customer_id")}
            GROUP BY 1
        """  # noqa: S608
        return sql, [start, end, array(ids), array(ids)]
    sql = f"""
        SELECT p.customer_id, CAST(SUM(u.charge) AS float8) FROM {USAGE} u JOIN {PRODUCT} p ON p.id = u.product_id
        JOIN {CUSTOMER} c ON c.id = p.customer_id
        WHERE u.started_at >= %s AND u.started_at < %s AND {in_list("p.customer_id")}
          AND u.started_at >= {local_midnight(since, tz)}
        GROUP BY 1
    """  # noqa: S608
    return sql, [start, end, array(ids)]


def batch_product_days(batch_id: int, *, lookback_days: int = 3) -> dict[datetime.date, list[int]]:
    """The subscriptions and local days a usage batch brought records for.

    The batch column has no index: the read is bounded to the days before the batch arrived (billing's feeds lag a
    day or two), so only the recent partitions are scanned."""
    batch = FeedBatch.objects.filter(pk=batch_id, kind=FeedBatch.Kind.USAGE, status=FeedBatch.Status.LOADED).first()
    if batch is None:
        return {}
    received = batch.received_at
    start = received - datetime.timedelta(days=lookback_days)
    end = (batch.loaded_at or received) + datetime.timedelta(hours=1)
    sql = f"""
        SELECT DISTINCT {local_date("started_at", timezone.get_current_timezone_name())}, product_id FROM {USAGE}
        WHERE batch_id = %s AND started_at >= %s AND started_at < %s
    """  # noqa: S608
    rows = _frame(sql, [batch_id, ts(start), ts(end)], ["day", "product_id"])
    out: dict[datetime.date, list[int]] = {}
    for day, product_id in rows.itertuples(index=False):
        out.setdefault(to_date(day), []).append(int(product_id))
    return out


def customer_regions(customer_ids) -> dict[int, int]:
    ids = sorted({int(c) for c in customer_ids})
    return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "region_id")) if ids else {}
