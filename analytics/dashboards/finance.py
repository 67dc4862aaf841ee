"""Dashboard: revenue and arrears (财务分析). Marts ``revenue_monthly`` (billed items per month by region, level,
product kind, offering and sales channel) and ``arrears_monthly`` (arrears at each month's end by age bucket, with the
month's billing, collection by the due date, write-offs and the credit model's expected bad debt)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import ArrearsMonthly, CreditScore, RevenueMonthly
from billing_sync.models import BillItem, CustomerBill, Payment, WriteOff
from billing_sync.selectors.collections import BUCKETS, bucket_of
from crm.accounts.models import Region
from customers.models import Customer, ServiceLevel
from orders.models import Product, ProductOffering, ProductOrder, ProductOrderItem, ProductSpecification, SalesChannel

from .base import Chart, Column, Dashboard, DashboardData, Figure, Filters, Table, percent, register_dashboard
from .marts import MartSpec, register_mart

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


# ---------------------------------------------------------------------------------------------------------------- #
# Refreshers
# ---------------------------------------------------------------------------------------------------------------- #

_REVENUE_FROM = """
FROM {item} i
JOIN {bill} b ON b.id = i.bill_id
JOIN {customer} c ON c.id = b.customer_id
LEFT JOIN {product} p ON p.id = i.product_id
LEFT JOIN {offering} o ON o.id = p.offering_id
LEFT JOIN {spec} s ON s.id = p.specification_id
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
SELECT %s, b.region_id, c.service_level, COALESCE(s.kind, ''), COALESCE(o.code, ''), COALESCE(fo.channel, ''),
       SUM(i.amount), COUNT(DISTINCT b.customer_id), COUNT(DISTINCT i.product_id)
{source}
GROUP BY b.region_id, c.service_level, COALESCE(s.kind, ''), COALESCE(o.code, ''), COALESCE(fo.channel, '')
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
    """The month's flows per region: billed (bills dated in the month), what of it was paid by each bill's due date,
    and the write-offs approved in the month."""
    bills = list(
        CustomerBill.objects.filter(bill_date__gte=month, bill_date__lt=next_month(month), bill_date__lte=as_of).only(
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


# ---------------------------------------------------------------------------------------------------------------- #
# Dashboard
# ---------------------------------------------------------------------------------------------------------------- #


def _f(value) -> float:
    return round(float(value or 0), 2)


def period_query(filters: Filters, **extra) -> str:
    """A link to the same dashboard for the same period, with other filters (a region, a drill-down key)."""
    query = {"period": "custom", "date_from": filters.since.isoformat(), "date_to": filters.until.isoformat()}
    query.update({k: v for k, v in extra.items() if v not in (None, "")})
    return "?" + urlencode(query)


def region_names() -> dict[int, str]:
    return dict(Region.objects.values_list("pk", "name"))


@register_dashboard
class FinanceDashboard(Dashboard):
    """Revenue by product kind, offering, region, level and channel; ARPU; arrears ageing; collection; bad debt."""

    key = "finance"
    title = _("Revenue and arrears (财务分析)")
    description = _(
        "Revenue by product, offering, region, level and channel, ARPU, arrears ageing, collection rate "
        "and bad-debt risk."
    )
    marts = ("revenue_monthly", "arrears_monthly")
    default_period = "12m"
    order = 40

    def build(self, user, filters: Filters) -> DashboardData:
        from .base import region_filter

        narrow = region_filter(filters, user)
        first, last = filters.months
        revenue = narrow(RevenueMonthly.objects.filter(month__gte=first, month__lte=last)).order_by()
        detail, rollup = revenue.exclude(channel=ALL), revenue.filter(channel=ALL)
        arrears = narrow(ArrearsMonthly.objects.filter(month__gte=first, month__lte=last)).order_by()
        names = region_names()
        data = DashboardData()

        # ARPU per month: revenue / customers billed (the roll-up rows count each customer once per region and level).
        per_month = list(
            rollup.values("month").annotate(revenue=Sum("revenue"), customers=Sum("customers")).order_by("month")
        )
        total_revenue = sum((m["revenue"] for m in per_month), ZERO)
        customer_months = sum(m["customers"] for m in per_month)
        arpu_rows = [
            {
                "month": m["month"].strftime("%Y-%m"),
                "revenue": _f(m["revenue"]),
                "customers": m["customers"],
                "arpu": _f(m["revenue"] / m["customers"]) if m["customers"] else None,
            }
            for m in per_month
        ]

        # Arrears: buckets at the end of the period's last month with data, flows per month.
        buckets_month = arrears.exclude(age_bucket=FLOWS).order_by("-month").values_list("month", flat=True).first()
        by_bucket = {
            b["age_bucket"]: b
            for b in arrears.filter(month=buckets_month)
            .exclude(age_bucket=FLOWS)
            .values("age_bucket")
            .annotate(accounts=Sum("accounts"), arrears=Sum("arrears"), bad=Sum("bad_debt_expected"))
        }
        bucket_rows = [
            {
                "bucket": str(label),
                "accounts": by_bucket.get(key, {}).get("accounts", 0),
                "arrears": _f(by_bucket.get(key, {}).get("arrears")),
                "bad_debt": _f(by_bucket.get(key, {}).get("bad")),
            }
            for key, label, _first, _last in BUCKETS
        ]
        flows = list(
            arrears.filter(age_bucket=FLOWS)
            .values("month")
            .annotate(billed=Sum("billed"), collected=Sum("collected"), written_off=Sum("written_off"))
            .order_by("month")
        )
        billed = sum((f["billed"] for f in flows), ZERO)
        collected = sum((f["collected"] for f in flows), ZERO)
        written_off = sum((f["written_off"] for f in flows), ZERO)
        arrears_total = sum((Decimal(str(r["arrears"])) for r in bucket_rows), ZERO)
        bad_debt = sum((Decimal(str(r["bad_debt"])) for r in bucket_rows), ZERO)

        data.figures = [
            Figure(_("Revenue"), f"{total_revenue:,.2f}", " ¥"),
            Figure(
                _("ARPU (per customer and month)"),
                _f(total_revenue / customer_months) if customer_months else None,
                " ¥",
            ),
            Figure(_("Collection rate (by the due date)"), percent(collected, billed), " %"),
            Figure(_("Arrears"), f"{arrears_total:,.2f}", " ¥"),
            Figure(_("Expected bad debt (credit model)"), f"{bad_debt:,.2f}", " ¥"),
            Figure(_("Written off"), f"{written_off:,.2f}", " ¥"),
        ]

        # Revenue breakdowns.
        def breakdown(field: str, label_of) -> list[dict]:
            rows = (
                detail.values(field)
                .annotate(revenue=Sum("revenue"), subscriptions=Sum("subscriptions"))
                .order_by("-revenue", field)
            )
            return [
                {
                    "key": r[field],
                    "name": label_of(r[field]),
                    "revenue": _f(r["revenue"]),
                    "share": percent(r["revenue"], total_revenue),
                    "subscriptions": r["subscriptions"],
                }
                for r in rows
            ]

        kinds = dict(ProductSpecification.Kind.choices)
        levels = dict(ServiceLevel.choices)
        channels = dict(SalesChannel.choices)
        offerings = dict(ProductOffering.objects.values_list("code", "name"))
        none = str(_("(none)"))
        by_kind = breakdown("product_kind", lambda v: str(kinds.get(v, v)) if v else none)
        by_offering = breakdown("offering_code", lambda v: f"{v} {offerings.get(v, '')}".strip() if v else none)
        by_region = breakdown("region_id", lambda v: names.get(v, none))
        by_level = breakdown("service_level", lambda v: str(levels.get(v, v)) if v else none)
        by_channel = breakdown("channel", lambda v: str(channels.get(v, v)) if v else str(_("(no order)")))

        share_columns = [
            Column("name", _("name")),
            Column("revenue", _("revenue"), "amount"),
            Column("share", _("share"), "percent"),
        ]
        data.charts = [
            Chart(
                "revenue-kind",
                _("Revenue by product kind"),
                "pie",
                {"items": [{"name": r["name"], "value": r["revenue"]} for r in by_kind]},
            ),
            Chart(
                "arpu",
                _("ARPU per month"),
                "line",
                {
                    "categories": [r["month"] for r in arpu_rows],
                    "series": [{"name": str(_("ARPU")), "values": [r["arpu"] for r in arpu_rows]}],
                },
            ),
            Chart(
                "revenue-region",
                _("Revenue by region"),
                "bar",
                {
                    "categories": [r["name"] for r in by_region],
                    "values": [r["revenue"] for r in by_region],
                    "series": str(_("revenue")),
                    "links": [period_query(filters, region=r["key"]) for r in by_region],
                },
            ),
            Chart(
                "revenue-channel",
                _("Revenue by sales channel"),
                "bar",
                {
                    "categories": [r["name"] for r in by_channel],
                    "values": [r["revenue"] for r in by_channel],
                    "series": str(_("revenue")),
                },
            ),
            Chart(
                "arrears-ageing",
                _("Arrears by age"),
                "columns",
                {
                    "categories": [r["bucket"] for r in bucket_rows],
                    "series": [
                        {"name": str(_("arrears")), "values": [r["arrears"] for r in bucket_rows]},
                        {"name": str(_("expected bad debt")), "values": [r["bad_debt"] for r in bucket_rows]},
                    ],
                },
            ),
            Chart(
                "collection",
                _("Collection rate by the due date"),
                "line",
                {
                    "categories": [f["month"].strftime("%Y-%m") for f in flows],
                    "series": [
                        {
                            "name": str(_("collection rate")),
                            "values": [percent(f["collected"], f["billed"]) for f in flows],
                        }
                    ],
                },
            ),
        ]
        offering_rows = [
            {**r, "per_subscription": _f(r["revenue"] / r["subscriptions"]) if r["subscriptions"] else None}
            for r in by_offering
        ]
        data.tables = [
            Table("revenue_kind", _("Revenue by product kind"), share_columns, by_kind),
            Table(
                "revenue_region",
                _("Revenue by region"),
                share_columns,
                by_region,
                links={i: period_query(filters, region=r["key"]) for i, r in enumerate(by_region) if r["key"]},
            ),
            Table("revenue_level", _("Revenue by service level"), share_columns, by_level),
            Table(
                "revenue_channel",
                _("Revenue by sales channel"),
                share_columns,
                by_channel,
                note=_(
                    "The channel of the order that added the product; '(no order)' for products that came without one."
                ),
            ),
            Table(
                "arpu",
                _("ARPU per month"),
                [
                    Column("month", _("month")),
                    Column("revenue", _("revenue"), "amount"),
                    Column("customers", _("customers billed"), "int"),
                    Column("arpu", _("ARPU"), "amount"),
                ],
                arpu_rows,
            ),
            Table(
                "offering_profitability",
                _("Revenue per offering"),
                [
                    Column("name", _("offering")),
                    Column("revenue", _("revenue"), "amount"),
                    Column("share", _("share"), "percent"),
                    Column("subscriptions", _("subscription-months billed"), "int"),
                    Column("per_subscription", _("revenue per subscription and month"), "amount"),
                ],
                offering_rows,
                note=_(
                    "Revenue only: costs are not in the CRM. Campaign profitability follows once campaigns "
                    "are recorded (issue 10)."
                ),
            ),
            Table(
                "arrears_ageing",
                _("Arrears by age"),
                [
                    Column("bucket", _("days past due (oldest unpaid bill)")),
                    Column("accounts", _("accounts"), "int"),
                    Column("arrears", _("arrears"), "amount"),
                    Column("bad_debt", _("expected bad debt"), "amount"),
                ],
                bucket_rows,
                note=_(
                    "At %(day)s. Expected bad debt: arrears × the bad-debt probability of the credit model in "
                    "use (0 without a score)."
                )
                % {"day": _month_end(buckets_month)},
            ),
            Table(
                "collection",
                _("Billing and collection per month"),
                [
                    Column("month", _("month")),
                    Column("billed", _("billed"), "amount"),
                    Column("collected", _("collected by the due date"), "amount"),
                    Column("rate", _("collection rate"), "percent"),
                    Column("written_off", _("written off"), "amount"),
                ],
                [
                    {
                        "month": f["month"].strftime("%Y-%m"),
                        "billed": _f(f["billed"]),
                        "collected": _f(f["collected"]),
                        "rate": percent(f["collected"], f["billed"]),
                        "written_off": _f(f["written_off"]),
                    }
                    for f in flows
                ],
            ),
        ]
        return data


def _month_end(month: datetime.date | None) -> str:
    if month is None:
        return "—"
    return (next_month(month) - datetime.timedelta(days=1)).isoformat()
