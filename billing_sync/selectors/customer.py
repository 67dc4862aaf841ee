"""Reads of one customer's billing for the 360 view and the counter: bills, payments, balances, usage, top numbers.

Every reader takes a customer the caller already checked is visible (the 360 view, the payment page) and runs a fixed
number of queries, whatever the number of bills, months or calls."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Min, OuterRef, QuerySet, Sum
from django.utils import timezone

from crm.accounts.selectors import visibility_scope
from customers.models import BillingAccount, Customer
from customers.privacy import mask_phone

from ..models import CustomerBill, DunningCase, Payment, UsageMonthly, UsageRecord
from ..services.partitions import month_start, next_month

ZERO = Decimal("0.00")
CUSTOMER_SCOPE = {"region_lookup": "customer__region_id", "grid_lookup": "customer__grid_id"}  # as customers_visible_to
TENTH = Decimal("0.1")


# --- Bills, payments, balances ------------------------------------------------------------------------------


def customer_bills(customer: Customer, *, limit: int = 12) -> list[CustomerBill]:
    """The customer's latest bills (all accounts), newest period first, each with its items (2 queries)."""
    bills = (
        CustomerBill.objects.filter(customer=customer)
        .select_related("account")
        .prefetch_related("items")
        .order_by("-period_start", "-id")
    )
    return list(bills[:limit])


def customer_payments(customer: Customer, *, limit: int = 10) -> list[Payment]:
    """The customer's latest payments, newest first, with the account and the clerk who took them (1 query)."""
    payments = Payment.objects.filter(customer=customer).select_related("account", "received_by")
    return list(payments.order_by("-paid_at", "-id")[:limit])


@dataclass
class AccountSummary:
    """What an account owes and holds: arrears (overdue), everything still open on bills, the balance."""

    account: BillingAccount
    open_bills: int = 0
    outstanding: Decimal = ZERO
    oldest_due: datetime.date | None = None

    @property
    def balance(self) -> Decimal:
        return self.account.balance

    @property
    def arrears(self) -> Decimal:
        return self.account.arrears_amount


def account_summaries(customer: Customer, *, accounts: Iterable[BillingAccount] | None = None) -> list[AccountSummary]:
    """One summary per account of the customer, in account order; ``accounts`` when the caller already has them.

    One query for the open bills of all accounts (plus one for the accounts when not given)."""
    accounts = list(accounts) if accounts is not None else list(customer.accounts.order_by("account_no"))
    open_totals = (
        CustomerBill.objects.filter(account__in=[a.pk for a in accounts])
        .exclude(state=CustomerBill.State.SETTLED)
        .values("account_id")
        .annotate(
            open_bills=Count("id"),
            outstanding=Sum(F("amount_due") - F("amount_paid") - F("written_off")),
            oldest_due=Min("due_date"),
        )
    )
    by_account = {row["account_id"]: row for row in open_totals} if accounts else {}
    summaries = []
    for account in accounts:
        row = by_account.get(account.pk, {})
        summaries.append(
            AccountSummary(
                account=account,
                open_bills=row.get("open_bills", 0),
                outstanding=row.get("outstanding") or ZERO,
                oldest_due=row.get("oldest_due"),
            )
        )
    return summaries


# --- Payments at the counter --------------------------------------------------------------------------------


def payable_account(user, account_no: str) -> BillingAccount:
    """An account the user may take a payment for: its customer is in the user's scope (region, grid).

    Raises BillingAccount.DoesNotExist otherwise, so a guessed number from another region reads as not found."""
    accounts = BillingAccount.objects.select_related("customer__party", "customer__region")
    scoped = visibility_scope(user).filter(accounts, **CUSTOMER_SCOPE)
    return scoped.get(account_no=account_no.strip().upper())


def open_bills(account: BillingAccount) -> list[CustomerBill]:
    """The account's unsettled bills in the order a payment pays them (oldest due first), as the service does."""
    bills = CustomerBill.objects.filter(account=account).exclude(state=CustomerBill.State.SETTLED)
    return list(bills.order_by("due_date", "id"))


@dataclass
class PaymentPreview:
    """What a payment of ``amount`` would do now: which bills it pays and how much goes to the balance."""

    amount: Decimal
    allocations: list[tuple[CustomerBill, Decimal]] = field(default_factory=list)
    to_balance: Decimal = ZERO
    still_open: Decimal = ZERO


def payment_preview(
    account: BillingAccount, amount: Decimal, *, bills: list[CustomerBill] | None = None
) -> PaymentPreview:
    """The confirmation step: the same oldest-first allocation ``payment_post`` will make, without writing anything.

    The real allocation is made under the account lock when the payment posts; a bill paid in between (another
    counter, the portal) simply shifts the money to the next bill or the balance."""
    bills = open_bills(account) if bills is None else bills
    preview = PaymentPreview(amount=amount)
    left = amount
    for bill in bills:
        share = max(min(left, bill.outstanding), ZERO)
        if share > 0:
            preview.allocations.append((bill, share))
            left -= share
        preview.still_open += bill.outstanding - share
    preview.to_balance = left
    return preview


def payer_search(user, query: str, *, limit: int = 10) -> list[Customer]:
    """Customers of the user's scope found by any key the counter is given (service, account or customer number,
    ID card, name), each with its accounts (2 queries after the search)."""
    from django.db.models import prefetch_related_objects

    from customers.selectors import customer_search

    found = customer_search(user, query, limit=limit)
    prefetch_related_objects(found, "accounts")
    return found


def counter_payments_of_day(user, *, day: datetime.date | None = None) -> list[Payment]:
    """The payments this user took at the counter on ``day`` (today), oldest first: the end-of-day check (1 query)."""
    day = day or timezone.localdate()
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    payments = Payment.objects.filter(
        received_by=user, channel=Payment.Channel.COUNTER, paid_at__gte=start,
        paid_at__lt=start + datetime.timedelta(days=1),
    ).select_related("account", "customer__party")  # fmt: skip
    return list(payments.order_by("paid_at", "id"))


def payment_visible(user, payment_no: str) -> Payment:
    """A payment of a customer in the user's scope, with what the receipt prints; Payment.DoesNotExist otherwise."""
    payments = Payment.objects.select_related("account", "customer__party", "received_by")
    scoped = visibility_scope(user).filter(payments, **CUSTOMER_SCOPE)
    return scoped.get(payment_no=payment_no)


def receipt_bills(payment: Payment) -> list[tuple[CustomerBill | None, Decimal, str]]:
    """The bills a payment paid, as (bill, amount, bill number) in the order it paid them (1 query)."""
    numbers = [a["bill"] for a in payment.allocations]
    bills = {b.bill_no: b for b in CustomerBill.objects.filter(bill_no__in=numbers)} if numbers else {}
    return [(bills.get(a["bill"]), Decimal(a["amount"]), a["bill"]) for a in payment.allocations]


def dunning_resolved_by(payment: Payment) -> DunningCase | None:
    """The account's dunning case this payment closed as paid, if any: closed at or after the payment and before any
    later payment to the account (1 query)."""
    later_payment = Payment.objects.filter(
        account_id=payment.account_id, paid_at__gt=payment.paid_at, paid_at__lte=OuterRef("closed_at")
    )
    return (
        DunningCase.objects.filter(
            account_id=payment.account_id, status=DunningCase.Status.RESOLVED, closed_at__gte=payment.paid_at
        )
        .exclude(Exists(later_payment))
        .order_by("closed_at")
        .first()
    )


# --- Usage --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageMonth:
    """One month of a customer's (or a subscription's) usage: calls, minutes, messages, data in MB and charge."""

    month: datetime.date
    calls: int = 0
    minutes: Decimal = Decimal("0.0")
    sms: int = 0
    data_mb: Decimal = Decimal("0.0")
    charge: Decimal = ZERO


def _months_back(months: int, today: datetime.date) -> list[datetime.date]:
    """The first days of the last ``months`` months, the current one last."""
    current = month_start(today)
    firsts = [current]
    for _ in range(months - 1):
        firsts.append(month_start(firsts[-1] - datetime.timedelta(days=1)))
    return firsts[::-1]


def _tenths(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def usage_trend(
    customer: Customer, *, months: int = 12, product_id: int | None = None, today: datetime.date | None = None
) -> list[UsageMonth]:
    """The last ``months`` months of usage from the monthly totals, all subscriptions summed (or one), oldest first.

    Months without usage are there with zeros so a chart has one point per month (1 query)."""
    firsts = _months_back(months, today or timezone.localdate())
    rows = UsageMonthly.objects.filter(customer=customer, month__gte=firsts[0], month__lte=firsts[-1])
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    sums = rows.values("month").annotate(
        calls=Sum("voice_calls"), seconds=Sum("voice_seconds"), sms=Sum("sms_count"), kb=Sum("data_kb"),
        total_charge=Sum("charge"),
    )  # fmt: skip
    totals = {row["month"]: row for row in sums}
    trend = []
    for first in firsts:
        row = totals.get(first)
        if row is None:
            trend.append(UsageMonth(month=first))
            continue
        trend.append(
            UsageMonth(
                month=first,
                calls=row["calls"] or 0,
                minutes=_tenths(Decimal(row["seconds"] or 0) / 60),
                sms=row["sms"] or 0,
                data_mb=_tenths(Decimal(row["kb"] or 0) / 1024),
                charge=row["total_charge"] or ZERO,
            )
        )
    return trend


def usage_chart_data(trend: list[UsageMonth]) -> dict:
    """The trend as the 360 chart reads it (json_script): months and one list per measure."""
    return {
        "months": [f"{m.month:%Y-%m}" for m in trend],
        "calls": [m.calls for m in trend],
        "minutes": [float(m.minutes) for m in trend],
        "sms": [m.sms for m in trend],
        "data_mb": [float(m.data_mb) for m in trend],
        "charge": [float(m.charge) for m in trend],
    }


@dataclass(frozen=True)
class CalledNumber:
    """A number the customer called often: masked, with how many outgoing calls and minutes."""

    number: str
    calls: int
    minutes: Decimal


def top_called_numbers_query(
    product_ids: Iterable[int], *, since: datetime.datetime, until: datetime.datetime, limit: int = 10
) -> QuerySet:
    """The aggregate behind ``top_called_numbers``: outgoing voice of these subscriptions in [since, until).

    Filtering on product ids and a time range lets PostgreSQL prune the monthly partitions and read
    ``usage_product_time_idx`` (product_id, started_at) instead of scanning the month."""
    return (
        UsageRecord.objects.filter(
            product_id__in=list(product_ids),
            started_at__gte=since,
            started_at__lt=until,
            usage_type=UsageRecord.Type.VOICE,
            outgoing=True,
        )
        .exclude(other_number="")
        .values("other_number")
        .annotate(calls=Count("id"), seconds=Sum("duration_s"))
        .order_by("-calls", "-seconds", "other_number")[:limit]
    )


def top_called_numbers(
    customer: Customer,
    *,
    months: int = 3,
    limit: int = 10,
    product_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> list[CalledNumber]:
    """The numbers the customer's subscriptions called most in the last ``months`` months (this one included),
    masked like every phone number on staff pages (139****5678).

    ``product_ids`` narrows to some subscriptions, or saves the query for them when the caller has them already."""
    from orders.models import Product

    if product_ids is None:
        product_ids = Product.objects.filter(customer=customer).values_list("pk", flat=True)
    product_ids = list(product_ids)
    if not product_ids:
        return []
    firsts = _months_back(months, today or timezone.localdate())
    tz = timezone.get_default_timezone()
    since = datetime.datetime.combine(firsts[0], datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(next_month(firsts[-1]), datetime.time.min, tzinfo=tz)
    rows = top_called_numbers_query(product_ids, since=since, until=until, limit=limit)
    return [
        CalledNumber(
            number=mask_phone(row["other_number"]),
            calls=row["calls"],
            minutes=_tenths(Decimal(row["seconds"] or 0) / 60),
        )
        for row in rows
    ]


def usage_panel(
    customer: Customer,
    *,
    product_ids: Iterable[int] | None = None,
    product_id: int | None = None,
    today: datetime.date | None = None,
) -> dict:
    """The usage part of the 360 page: the 12-month trend (chart data too) and the top called numbers.

    ``product_ids`` are all the customer's subscriptions, terminated ones too, when the caller has them (2 queries);
    otherwise they are read (3)."""
    trend = usage_trend(customer, product_id=product_id, today=today)
    numbers = top_called_numbers(
        customer, product_ids=[product_id] if product_id is not None else product_ids, today=today
    )
    return {"usage_trend": trend, "usage_chart": usage_chart_data(trend), "top_numbers": numbers}
