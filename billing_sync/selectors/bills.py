"""Reads of bills, bill items, usage records and payments for the TMF678/635/676 APIs, scoped to the caller's region.

API clients and province staff see everything; regional staff see the bills, usage and payments of the customers of
their region. Each function returns a queryset with what the representation reads already joined or prefetched, so
a page of any size costs a fixed number of queries."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet

from crm.accounts.selectors import visibility_scope

from ..models import BillItem, CustomerBill, Payment, UsageRecord

# A usage list without a period covers this many days back from now; a period may not be longer than USAGE_MAX_SPAN.
USAGE_DEFAULT_DAYS = 31
USAGE_MAX_SPAN = datetime.timedelta(days=92)


def bills_visible_to(user) -> QuerySet[CustomerBill]:
    """Bills of the customers the user may see, with account, customer party and item ids for the references."""
    items = BillItem.objects.only("id", "bill_id", "item_no", "name").order_by("item_no")
    bills = CustomerBill.objects.select_related("account", "customer__party").prefetch_related(
        Prefetch("items", queryset=items)
    )
    return visibility_scope(user).filter(bills, region_lookup="region_id", grid_lookup="customer__grid_id")


def bill_items_visible_to(user) -> QuerySet[BillItem]:
    """Bill items (applied billing rates) of the bills the user may see, with their bill and product."""
    items = BillItem.objects.select_related("bill__account", "product")
    return visibility_scope(user).filter(items, region_lookup="bill__region_id", grid_lookup="bill__customer__grid_id")


def usage_visible_to(user) -> QuerySet[UsageRecord]:
    """Usage records of the customers the user may see. Callers must bound ``started_at`` (see usage_window)."""
    return visibility_scope(user).filter(
        UsageRecord.objects.all(), region_lookup="customer__region_id", grid_lookup="customer__grid_id"
    )


def usage_window(
    since: datetime.datetime | None, until: datetime.datetime | None, *, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime | None]:
    """The time window a usage list reads: ``since`` defaults to USAGE_DEFAULT_DAYS before ``until`` (or now).

    Raises ValueError when the window is longer than USAGE_MAX_SPAN, so one request never reads a year of
    partitions."""
    end = until or now
    start = since or end - datetime.timedelta(days=USAGE_DEFAULT_DAYS)
    if end - start > USAGE_MAX_SPAN:
        raise ValueError(f"a usage period may span at most {USAGE_MAX_SPAN.days} days")
    return start, until


def payments_visible_to(user) -> QuerySet[Payment]:
    """Payments of the customers the user may see, with the account the representation names."""
    payments = Payment.objects.select_related("account")
    return visibility_scope(user).filter(payments, region_lookup="customer__region_id", grid_lookup="customer__grid_id")
