"""The thin loader of the feature store: SQL over one customer-id range into compact DataFrames.

The leakage guard lives here: every query keeps only what was dated on or before the cut-off (``as_of``), and a date
that lies after it (a bill settled later, a ticket resolved later) is read as "not yet" (NULL). Current-state fields
that only know today (``BillingAccount.arrears_amount``, a ticket's or contract's status) are not used for history.
Monthly usage is read only for months that ended on or before the cut-off.
"""

# ruff: noqa: S608 - the SQL is built only from the models' own table names; every value is a query parameter.

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields

import pandas as pd

from billing_sync.models import CustomerBill, DunningCase, Payment, UsageMonthly
from callcenter.models import TroubleTicket
from crm.db_router import replica_cursor
from customers.models import Customer, KeyAccountContract
from orders.models import Product, ProductOffering, ProductOrder, ProductSpecification

from ..sql import local_date

USAGE_MONTHS = 7  # 6 for the averages, one more so the 3-month trend has its 3 months before the last one
HISTORY_DAYS = 370  # 12-month counts (dunning, suspensions) and the bills and tickets features look back on


@dataclass
class FeatureFrames:
    """What the builder needs for one id range, all dated on or before the cut-off."""

    as_of: datetime.date
    customers: pd.DataFrame  # customer_id, region_id, customer_class, service_level, since
    products: pd.DataFrame  # customer_id, product_id, kind, in_bundle (live at the cut-off)
    usage: pd.DataFrame  # customer_id, month, voice_seconds, voice_calls, sms_count, data_kb, roaming_records
    bills: pd.DataFrame  # customer_id, bill_date, due_date, amount (due - written off), settled (None = not by as_of)
    payments: pd.DataFrame  # customer_id, paid
    dunning: pd.DataFrame  # customer_id, opened
    tickets: pd.DataFrame  # customer_id, product_id, ticket_type, created, resolved (None = open at as_of)
    contracts: pd.DataFrame  # customer_id, end_date (contracts in force at the cut-off)
    suspensions: pd.DataFrame  # customer_id, at


def last_full_month(as_of: datetime.date) -> datetime.date:
    """The first day of the last calendar month that ended on or before ``as_of``."""
    if (as_of + datetime.timedelta(days=1)).day == 1:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_add(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _frame(sql: str, params: dict, columns: list[str], dtypes: dict | None = None) -> pd.DataFrame:
    with replica_cursor() as cursor:  # history up to a cut-off: the replica when there is one
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for column, dtype in (dtypes or {}).items():
        if dtype == "date":
            frame[column] = pd.to_datetime(frame[column])
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


def _t(model) -> str:
    return model._meta.db_table


def load_frames(as_of: datetime.date, lo: int, hi: int) -> FeatureFrames:
    """Every input of the features of customers ``lo <= id < hi`` as known on ``as_of``."""
    first_month = month_add(last_full_month(as_of), -(USAGE_MONTHS - 1))
    p = {
        "lo": lo,
        "hi": hi,
        "as_of": as_of,
        "from": as_of - datetime.timedelta(days=HISTORY_DAYS),
        "m6": (pd.Timestamp(as_of) - pd.DateOffset(months=6)).date(),  # the builder's 6-month windows start after it
        "first_month": first_month,
        "last_month": last_full_month(as_of),
    }
    live = (
        f"COALESCE(p.start_date, {local_date('p.created_at')}) <= %(as_of)s"
        " AND (p.termination_date IS NULL OR p.termination_date > %(as_of)s)"
    )
    # Customers who held a live subscription at the cut-off: the population the features describe.
    customers = _frame(
        f"""SELECT c.id, c.region_id, c.customer_class, c.service_level,
                   COALESCE(c.since, (SELECT min(COALESCE(p.start_date, {local_date("p.created_at")}))
                                      FROM {_t(Product)} p WHERE p.customer_id = c.id),
                            {local_date("c.created_at")})
            FROM {_t(Customer)} c
            WHERE c.id >= %(lo)s AND c.id < %(hi)s AND c.status <> 'prospect'
              AND EXISTS (SELECT 1 FROM {_t(Product)} p WHERE p.customer_id = c.id AND {live})
            ORDER BY c.id""",
        p,
        ["customer_id", "region_id", "customer_class", "service_level", "since"],
        {"customer_id": "int64", "region_id": "Int32", "since": "date"},
    )
    products = _frame(
        f"""SELECT p.customer_id, p.id, COALESCE(s.kind, os.kind, ''),
                   (p.bundle_id IS NOT NULL OR o.is_bundle)
            FROM {_t(Product)} p
            JOIN {_t(ProductOffering)} o ON o.id = p.offering_id
            LEFT JOIN {_t(ProductSpecification)} s ON s.id = p.specification_id
            LEFT JOIN {_t(ProductSpecification)} os ON os.id = o.specification_id
            WHERE p.customer_id >= %(lo)s AND p.customer_id < %(hi)s AND {live}""",
        p,
        ["customer_id", "product_id", "kind", "in_bundle"],
        {"customer_id": "int64", "product_id": "int64", "in_bundle": "bool"},
    )
    usage = _frame(
        f"""SELECT customer_id, month, sum(voice_seconds), sum(voice_calls), sum(sms_count), sum(data_kb),
                   sum(roaming_records)
            FROM {_t(UsageMonthly)}
            WHERE customer_id >= %(lo)s AND customer_id < %(hi)s
              AND month >= %(first_month)s AND month <= %(last_month)s
            GROUP BY customer_id, month""",
        p,
        ["customer_id", "month", "voice_seconds", "voice_calls", "sms_count", "data_kb", "roaming_records"],
        {"customer_id": "int64", "month": "date", "voice_seconds": "float64", "voice_calls": "float32",
         "sms_count": "float32", "data_kb": "float64", "roaming_records": "float32"},
    )  # fmt: skip
    bills = _frame(
        f"""SELECT customer_id, bill_date, due_date, amount_due - written_off,
                   CASE WHEN {local_date("settled_at")} <= %(as_of)s
                        THEN {local_date("settled_at")} END
            FROM {_t(CustomerBill)}
            WHERE customer_id >= %(lo)s AND customer_id < %(hi)s
              AND bill_date <= %(as_of)s AND bill_date > %(from)s
              -- An older bill counts only while it is unpaid (arrears now, months in arrears): one billed, due and
              -- settled before the 6 months changes no feature, and skipping it halves the rows read.
              AND (bill_date > %(m6)s OR due_date > %(m6)s OR settled_at IS NULL
                   OR {local_date("settled_at")} > %(m6)s)""",
        p,
        ["customer_id", "bill_date", "due_date", "amount", "settled"],
        {"customer_id": "int64", "bill_date": "date", "due_date": "date", "amount": "float64", "settled": "date"},
    )
    payments = _frame(
        f"""SELECT customer_id, {local_date("paid_at")} FROM {_t(Payment)}
            WHERE customer_id >= %(lo)s AND customer_id < %(hi)s
              AND {local_date("paid_at")} <= %(as_of)s
              AND {local_date("paid_at")} > %(m6)s""",  # payments_6m is all the builder counts
        p,
        ["customer_id", "paid"],
        {"customer_id": "int64", "paid": "date"},
    )
    dunning = _frame(
        f"""SELECT customer_id, {local_date("opened_at")} FROM {_t(DunningCase)}
            WHERE customer_id >= %(lo)s AND customer_id < %(hi)s
              AND {local_date("opened_at")} <= %(as_of)s
              AND {local_date("opened_at")} > %(from)s""",
        p,
        ["customer_id", "opened"],
        {"customer_id": "int64", "opened": "date"},
    )
    # Tickets opened in the last year, or earlier and still unresolved at the cut-off; cancelled ones never counted.
    tickets = _frame(
        f"""SELECT customer_id, product_id, ticket_type, {local_date("created_at")},
                   CASE WHEN {local_date("COALESCE(resolved_at, closed_at)")} <= %(as_of)s
                        THEN {local_date("COALESCE(resolved_at, closed_at)")} END
            FROM {_t(TroubleTicket)}
            WHERE customer_id >= %(lo)s AND customer_id < %(hi)s AND status NOT IN ('cancelled', 'rejected')
              AND {local_date("created_at")} <= %(as_of)s
              AND ({local_date("created_at")} > %(from)s
                   OR COALESCE(resolved_at, closed_at) IS NULL
                   OR {local_date("COALESCE(resolved_at, closed_at)")} > %(as_of)s)""",
        p,
        ["customer_id", "product_id", "ticket_type", "created", "resolved"],
        {"customer_id": "int64", "product_id": "Int64", "created": "date", "resolved": "date"},
    )
    contracts = _frame(
        f"""SELECT customer_id, end_date FROM {_t(KeyAccountContract)}
            WHERE customer_id >= %(lo)s AND customer_id < %(hi)s AND status <> 'draft'
              AND start_date <= %(as_of)s AND end_date >= %(as_of)s""",
        p,
        ["customer_id", "end_date"],
        {"customer_id": "int64", "end_date": "date"},
    )
    suspensions = _frame(
        f"""SELECT customer_id, {local_date("COALESCE(completed_at, submitted_at, created_at)")}
            FROM {_t(ProductOrder)}
            WHERE customer_id >= %(lo)s AND customer_id < %(hi)s AND order_type = 'suspend'
              AND state NOT IN ('cancelled', 'rejected', 'failed')
              AND {local_date("COALESCE(completed_at, submitted_at, created_at)")} <= %(as_of)s
              AND {local_date("COALESCE(completed_at, submitted_at, created_at)")} > %(from)s""",
        p,
        ["customer_id", "at"],
        {"customer_id": "int64", "at": "date"},
    )
    return FeatureFrames(
        as_of=as_of,
        customers=customers,
        products=products,
        usage=usage,
        bills=bills,
        payments=payments,
        dunning=dunning,
        tickets=tickets,
        contracts=contracts,
        suspensions=suspensions,
    )


def frames_empty(as_of: datetime.date) -> FeatureFrames:
    """Frames with the loader's columns and no rows (for tests and empty ranges)."""
    columns = {
        "customers": ["customer_id", "region_id", "customer_class", "service_level", "since"],
        "products": ["customer_id", "product_id", "kind", "in_bundle"],
        "usage": ["customer_id", "month", "voice_seconds", "voice_calls", "sms_count", "data_kb", "roaming_records"],
        "bills": ["customer_id", "bill_date", "due_date", "amount", "settled"],
        "payments": ["customer_id", "paid"],
        "dunning": ["customer_id", "opened"],
        "tickets": ["customer_id", "product_id", "ticket_type", "created", "resolved"],
        "contracts": ["customer_id", "end_date"],
        "suspensions": ["customer_id", "at"],
    }
    names = [f.name for f in fields(FeatureFrames) if f.name != "as_of"]
    return FeatureFrames(as_of=as_of, **{name: pd.DataFrame(columns=columns[name]) for name in names})
