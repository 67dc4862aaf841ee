"""Aggregate tables of the finance dashboard: ``revenue_monthly`` (billed items per month by region, level, product
kind, offering and sales channel, set-based SQL) and ``arrears_monthly`` (arrears at each month's end by age bucket,
with the month's billing, collection by the due date, write-offs and the credit model's expected bad debt)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from analytics.models import ArrearsMonthly, CreditScore, RevenueMonthly
from billing_sync.models import BillItem, CustomerBill, Payment, WriteOff
from billing_sync.selectors.collections import bucket_of
from customers.models import Customer
from orders.models import Product, ProductOffering, ProductOrder, ProductOrderItem, ProductSpecification

from ..marts import MartSpec, register_mart

# RevenueMonthly rows whose channel is ALL are the month × region × level roll-up: the same revenue once more, with
# the customers and subscriptions billed counted once (a customer billed for two products is one customer for ARPU).
# Breakdowns read the other rows, ARPU and totals these.
ALL = "(all)"
# ArrearsMonthly rows with no age bucket carry the month's flows (billed, collected by the due date, written off).
FLOWS = ""
ZERO = Decimal("0.00")


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def months_between(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    """The first days of the months touching [since, until]."""
    months, month = [], month_start(since)
    while month <= until:
        months.append(month)
        month = next_month(month)
    return months


def end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_REVENUE_FROM = """
FROM {item} i
JOIN {bill} b ON b.id = i.bill_id
JOIN {customer} c ON c.id = b.customer_id
LEFT JOIN {product} p ON p.id = i.product_id
LEFT JOIN {offering} o ON o.id = p.offering_id
LEFT JOIN {spec} s ON s.id = p.specification_id
LEFT JOIN {spec} os ON os.id = o.specification_id
LEFT JOIN (
    SELECT oi.product_id, MIN(oi.order_id) AS order_id FROM {order_item} oi
    WHERE oi.action = 'add' AND oi.product_id IS NOT NULL GROUP BY oi.product_id
) first_order ON first_order.product_id = p.id
LEFT JOIN {order} fo ON fo.id = first_order.order_id
WHERE b.period_start >= %s AND b.period_start < %s
"""

_REVENUE_SQL = """
INSERT INTO {revenue} (month, region_id, service_level, product_kind, offering_code, channel, revenue, customers,
                       subscriptions)
SELECT %s, b.region_id, c.service_level, COALESCE(s.kind, os.kind, ''), COALESCE(o.code, ''), COALESCE(fo.channel, ''),
       SUM(i.amount), COUNT(DISTINCT b.customer_id), COUNT(DISTINCT i.product_id)
{source}
GROUP BY b.region_id, c.service_level, COALESCE(s.kind, os.kind, ''), COALESCE(o.code, ''), COALESCE(fo.channel, '')
"""

_REVENUE_ROLLUP_SQL = """
INSERT INTO {revenue} (month, region_id, service_level, product_kind, offering_code, channel, revenue, customers,
                       subscriptions)
SELECT %s, b.region_id, c.service_level, '', '', %s, SUM(i.amount), COUNT(DISTINCT b.customer_id),
       COUNT(DISTINCT i.product_id)
FROM {item} i
JOIN {bill} b ON b.id = i.bill_id
JOIN {customer} c ON c.id = b.customer_id
WHERE b.period_start >= %s AND b.period_start < %s
GROUP BY b.region_id, c.service_level
"""


def revenue_refresh(since: datetime.date, until: datetime.date) -> int:
    """Billed items of the bills whose period starts in each month; the channel is the one of the order that added
    the product (its first 'add' order item), '' when the product came without one (migrated, billing-side)."""
    names = {
        "revenue": _table(RevenueMonthly),
        "item": _table(BillItem),
        "bill": _table(CustomerBill),
        "customer": _table(Customer),
        "product": _table(Product),
        "offering": _table(ProductOffering),
        "spec": _table(ProductSpecification),
        "order_item": _table(ProductOrderItem),
        "order": _table(ProductOrder),
    }
    source = _REVENUE_FROM.format(**names)
    rows = 0
    for month in months_between(since, until):
        RevenueMonthly.objects.filter(month=month).delete()
        with connection.cursor() as cursor:
            cursor.execute(_REVENUE_SQL.format(source=source, **names), [month, month, next_month(month)])
            rows += max(cursor.rowcount, 0)
            cursor.execute(_REVENUE_ROLLUP_SQL.format(**names), [month, ALL, month, next_month(month)])
            rows += max(cursor.rowcount, 0)
    return rows


def _paid_by(bills: list[CustomerBill], cutoff_of) -> dict[int, Decimal]:
    """What each bill had been paid by its cut-off (``cutoff_of(bill) -> datetime``): payments record the bills they
    paid (``allocations``), so a bill paid later counts as unpaid at an earlier month's end."""
    paid: dict[int, Decimal] = {}
    pending: dict[str, CustomerBill] = {}
    for bill in bills:
        if bill.amount_paid <= 0:
            paid[bill.pk] = ZERO
        elif bill.settled_at is not None and bill.settled_at <= cutoff_of(bill) and not bill.written_off:
            paid[bill.pk] = bill.amount_paid
        else:
            paid[bill.pk] = ZERO
            pending[bill.bill_no] = bill
    if pending:
        accounts = {b.account_id for b in pending.values()}
        first = min(b.bill_date for b in pending.values())
        last = max(cutoff_of(b) for b in pending.values())
        payments = Payment.objects.filter(
            account_id__in=accounts, paid_at__gte=end_of_day(first - datetime.timedelta(days=1)), paid_at__lte=last
        ).values_list("paid_at", "allocations")
        for paid_at, allocations in payments.iterator(chunk_size=2000):
            for allocation in allocations or []:
                bill = pending.get(allocation.get("bill"))
                if bill is not None and paid_at <= cutoff_of(bill):
                    paid[bill.pk] += Decimal(str(allocation.get("amount", "0")))
    return paid


def _written_off_accounts(as_of: datetime.date) -> set[int]:
    """Accounts with a write-off approved by the day: their bills' written-off parts are no longer arrears."""
    return set(
        WriteOff.objects.filter(state=WriteOff.State.APPROVED, decided_at__lte=end_of_day(as_of)).values_list(
            "case__account_id", flat=True
        )
    )


def _bad_debt_probability(customer_ids: set[int], as_of: datetime.date) -> dict[int, float]:
    """Each customer's newest bad-debt probability of the credit model in use scored by the day (none: 0)."""
    from analytics.credit.selectors import credit_model_in_use

    model = credit_model_in_use()
    if model is None or not customer_ids:
        return {}
    scores = (
        CreditScore.objects.filter(model=model, customer_id__in=customer_ids, as_of__lte=as_of)
        .order_by("customer_id", "as_of")
        .values_list("customer_id", "bad_debt_probability")
    )
    return dict(scores)  # ordered by cut-off: the newest wins


def arrears_at(as_of: datetime.date) -> list[ArrearsMonthly]:
    """Arrears by region and age bucket at the end of a day: per account, what its bills issued by then still owed
    then, aged by its oldest unpaid bill's days past due (the collection work lists' buckets)."""
    cutoff = end_of_day(as_of)
    bills = list(
        CustomerBill.objects.filter(bill_date__lte=as_of, due_date__lt=as_of, amount_due__gt=0)
        .filter(Q(settled_at__isnull=True) | Q(settled_at__gt=cutoff) | Q(written_off__gt=0))
        .only(
            "id",
            "bill_no",
            "account_id",
            "customer_id",
            "region_id",
            "bill_date",
            "due_date",
            "amount_due",
            "amount_paid",
            "written_off",
            "settled_at",
        )
    )
    paid = _paid_by(bills, lambda _bill: cutoff)
    written_off = _written_off_accounts(as_of)
    accounts: dict[int, dict] = {}
    for bill in bills:
        owed = bill.amount_due - paid[bill.pk] - (bill.written_off if bill.account_id in written_off else ZERO)
        if owed <= 0:
            continue
        account = accounts.setdefault(
            bill.account_id,
            {"region": bill.region_id, "customer": bill.customer_id, "due": bill.due_date, "owed": ZERO},
        )
        account["owed"] += owed
        account["due"] = min(account["due"], bill.due_date)
    probability = _bad_debt_probability({a["customer"] for a in accounts.values()}, as_of)
    rows: dict[tuple[int, str], ArrearsMonthly] = {}
    for account in accounts.values():
        bucket = bucket_of((as_of - account["due"]).days)
        row = rows.setdefault(
            (account["region"], bucket),
            ArrearsMonthly(region_id=account["region"], age_bucket=bucket, arrears=ZERO, bad_debt_expected=ZERO),
        )
        row.accounts += 1
        row.arrears += account["owed"]
        row.bad_debt_expected += account["owed"] * Decimal(str(probability.get(account["customer"], 0.0)))
    for row in rows.values():
        row.bad_debt_expected = row.bad_debt_expected.quantize(Decimal("0.01"))
    return list(rows.values())


def flows_of(month: datetime.date, as_of: datetime.date) -> list[ArrearsMonthly]:
    """The month's flows per region: billed (the bills falling due in the month, up to ``as_of``: every bill counts
    once, when its due date has come), what of it was paid by each bill's due date, and the write-offs approved in
    the month."""
    bills = list(
        CustomerBill.objects.filter(due_date__gte=month, due_date__lt=next_month(month), due_date__lte=as_of).only(
            "id",
            "bill_no",
            "account_id",
            "region_id",
            "bill_date",
            "due_date",
            "amount_due",
            "amount_paid",
            "written_off",
            "settled_at",
        )
    )
    paid = _paid_by(bills, lambda bill: end_of_day(bill.due_date))
    rows: dict[int, ArrearsMonthly] = {}

    def row(region_id: int) -> ArrearsMonthly:
        return rows.setdefault(
            region_id,
            ArrearsMonthly(region_id=region_id, age_bucket=FLOWS, billed=ZERO, collected=ZERO, written_off=ZERO),
        )

    for bill in bills:
        row(bill.region_id).billed += bill.amount_due
        row(bill.region_id).collected += paid[bill.pk]
    write_offs = (
        WriteOff.objects.filter(
            state=WriteOff.State.APPROVED,
            decided_at__gte=end_of_day(month - datetime.timedelta(days=1)),
            decided_at__lte=end_of_day(min(as_of, next_month(month) - datetime.timedelta(days=1))),
        )
        .values("case__region_id")
        .annotate(total=Sum("amount"))
    )
    for entry in write_offs:
        row(entry["case__region_id"]).written_off += entry["total"]
    return list(rows.values())


def arrears_refresh(since: datetime.date, until: datetime.date) -> int:
    """Arrears at each month's end (at ``until`` for the month still running) and the month's flows."""
    rows = 0
    for month in months_between(since, until):
        as_of = min(next_month(month) - datetime.timedelta(days=1), until)
        ArrearsMonthly.objects.filter(month=month).delete()
        built = arrears_at(as_of) + flows_of(month, as_of)
        for row in built:
            row.month = month
        ArrearsMonthly.objects.bulk_create(built, batch_size=1000)
        rows += len(built)
    return rows


register_mart(MartSpec(name="revenue_monthly", refresh=revenue_refresh, monthly=True, default_days=31))
register_mart(MartSpec(name="arrears_monthly", refresh=arrears_refresh, monthly=True, default_days=31))
