"""The thin loader of churn training and scoring: what happened to subscriptions (for labels) and who is active."""

# ruff: noqa: S608 - the SQL is built only from the models' own table names; every value is a query parameter.

from __future__ import annotations

import datetime

import pandas as pd

from crm.db_router import replica_cursor
from customers.models import Customer
from orders.models import Product, ProductOrder

from ..sql import array, in_list, local_date


def _frame(sql: str, params: dict, columns: list[str]) -> pd.DataFrame:
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        cursor.execute(sql, params)
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def label_events(customer_ids: list[int], *, until: datetime.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(products, moves) of these customers as known on ``until`` (the outcome end): a termination after it is
    read as "still live", a port-out after it as none."""
    params = {"ids": array(int(i) for i in customer_ids), "until": until}
    ids = in_list("customer_id", "%(ids)s")
    products = _frame(
        f"""SELECT customer_id, COALESCE(start_date, {local_date("created_at")}),
                   CASE WHEN termination_date <= %(until)s THEN termination_date END
            FROM {Product._meta.db_table}
            WHERE {ids}
              AND COALESCE(start_date, {local_date("created_at")}) <= %(until)s""",
        params,
        ["customer_id", "start", "end"],
    )
    moves = _frame(
        f"""SELECT customer_id, {local_date("completed_at")} FROM {ProductOrder._meta.db_table}
            WHERE {ids} AND order_type = 'port_out' AND state = 'completed'
              AND completed_at IS NOT NULL AND {local_date("completed_at")} <= %(until)s""",
        params,
        ["customer_id", "at"],
    )
    return products, moves


def customers_now(lo: int, hi: int) -> pd.DataFrame:
    """customer_id, region_id and today's status of the customers with ``lo <= id < hi``."""
    return _frame(
        f"""SELECT id, region_id, status FROM {Customer._meta.db_table} WHERE id >= %(lo)s AND id < %(hi)s""",
        {"lo": lo, "hi": hi},
        ["customer_id", "region_id", "status"],
    )


def customer_id_bounds() -> tuple[int, int]:
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        cursor.execute(f"SELECT min(id), max(id) FROM {Customer._meta.db_table}")
        lo, hi = cursor.fetchone()
    return (lo or 0), (hi or 0) + 1
