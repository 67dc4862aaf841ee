"""The simulation loader: for one customer-id range, the proposal's target customers with the month's usage (from
``UsageMonthly``) and what they were billed for it (``CustomerBill``), as one DataFrame. ORM aggregates only, so it
runs the same on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime

import pandas as pd
from django.db.models import Q, Sum

from billing_sync.models import CustomerBill, UsageMonthly
from customers.models import Customer

from .rating import billed_minutes

LIVE = ("active", "suspended")
COLUMNS = ["region_id", "segment", "voice_minutes", "data_mb", "sms", "current_charge"]


def target_customers(target: dict):
    """Live customers matching the proposal's target filter (an empty or missing list means any)."""
    customers = Customer.objects.filter(status__in=LIVE)
    if target.get("regions"):
        customers = customers.filter(region_id__in=[int(r) for r in target["regions"]])
    if target.get("levels"):
        customers = customers.filter(service_level__in=target["levels"])
    if target.get("segments"):
        customers = customers.filter(segment__in=target["segments"])
    held = Q()
    if target.get("offerings"):
        held &= Q(products__offering__code__in=target["offerings"])
    if target.get("kind"):
        held &= Q(products__specification__kind=target["kind"])
    if held:
        customers = customers.filter(held & Q(products__status__in=("active", "suspended"))).distinct()
    return customers


def usage_frame(target: dict, month: datetime.date, *, lo: int, hi: int) -> pd.DataFrame:
    """Target customers with ``lo <= id < hi`` billed for ``month``: their usage in it and the amount due. Customers
    without a bill for the month are left out (there is nothing to compare with)."""
    customers = {
        pk: (region, segment)
        for pk, region, segment in target_customers(target)
        .filter(pk__gte=lo, pk__lt=hi)
        .values_list("pk", "region_id", "segment")
    }
    if not customers:
        return pd.DataFrame(columns=COLUMNS, index=pd.Index([], name="customer_id"))
    bills = dict(
        CustomerBill.objects.filter(customer_id__gte=lo, customer_id__lt=hi, period_start=month)
        .values("customer_id")
        .annotate(total=Sum("amount_due"))
        .values_list("customer_id", "total")
    )
    usage = {
        row["customer_id"]: row
        for row in UsageMonthly.objects.filter(customer_id__gte=lo, customer_id__lt=hi, month=month)
        .values("customer_id")
        .annotate(seconds=Sum("voice_seconds"), kb=Sum("data_kb"), sms=Sum("sms_count"))
    }
    ids = sorted(pk for pk in customers if pk in bills)
    frame = pd.DataFrame(
        {
            "region_id": [customers[i][0] for i in ids],
            "segment": [customers[i][1] or "" for i in ids],
            "seconds": [float((usage.get(i) or {}).get("seconds") or 0) for i in ids],
            "data_mb": [float((usage.get(i) or {}).get("kb") or 0) / 1024.0 for i in ids],
            "sms": [float((usage.get(i) or {}).get("sms") or 0) for i in ids],
            "current_charge": [float(bills[i]) for i in ids],
        },
        index=pd.Index(ids, name="customer_id"),
    )
    frame["voice_minutes"] = billed_minutes(frame.pop("seconds"))
    return frame[COLUMNS]
