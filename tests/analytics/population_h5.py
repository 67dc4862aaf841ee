"""A small constructed population for the segmentation, credit and truth-evaluation tests: customers with an
account, a mobile line, monthly usage, bills and payments shaped by a "kind" (heavy data, talker, idle...)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

AS_OF = datetime.date(2026, 11, 30)
_counter = itertools.count(1)


def month_start(day: datetime.date, back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


def make_customer(region, *, status="active", since=datetime.date(2022, 1, 1), level="basic", with_line=True):
    """A public customer with an account and (optionally) a live mobile line."""
    from customers.models import BillingAccount, Customer, Party
    from orders.models import Product, ProductOffering, ProductSpecification

    n = next(_counter)
    party = Party.objects.create(kind="individual", name=f"测试{n}", id_number=f"3401011990{n:08d}")
    customer = Customer.objects.create(
        customer_no=f"H5{n:010d}",
        party=party,
        region=region,
        customer_class="public",
        service_level=level,
        status=status,
        since=since,
    )
    account = BillingAccount.objects.create(account_no=f"H5A{n:09d}", customer=customer)
    product = None
    if with_line:
        spec, _ = ProductSpecification.objects.get_or_create(
            code="h5-mobile", defaults={"name": "移动", "kind": "mobile"}
        )
        offering, _ = ProductOffering.objects.get_or_create(
            code="h5-plan", defaults={"name": "套餐", "specification": spec}
        )
        product = Product.objects.create(
            product_no=f"H5P{n:09d}",
            customer=customer,
            billing_account=account,
            offering=offering,
            specification=spec,
            service_number=f"189{n:08d}",
            region=region,
            status="active",
            start_date=since,
        )
    return customer, account, product


def add_usage(customer, account, product, *, months, voice_min=0, data_mb=0, sms=0, roaming=0, end=AS_OF):
    """The same usage in each of the ``months`` months up to ``end``'s month."""
    from billing_sync.models import UsageMonthly

    UsageMonthly.objects.bulk_create(
        UsageMonthly(
            product=product,
            customer=customer,
            account=account,
            month=month_start(end, back),
            voice_calls=int(voice_min // 3),
            voice_seconds=int(voice_min * 60),
            sms_count=int(sms),
            data_kb=int(data_mb * 1024),
            roaming_records=int(roaming),
        )
        for back in range(months)
    )


def add_bills(customer, account, *, months, amount, end=AS_OF, paid_days_late=0, unpaid_from_back=None):
    """Monthly bills for the ``months`` months before ``end``'s month, due on the 20th of the next month.

    Paid (with a payment) ``paid_days_late`` days after the due date, except the bills ``unpaid_from_back`` months
    back or more recent, which stay open."""
    from billing_sync.models import CustomerBill, Payment

    bills, payments = [], []
    for back in range(months, 0, -1):
        start = month_start(end, back)
        period_end = month_start(end, back - 1) - datetime.timedelta(days=1)
        due = period_end + datetime.timedelta(days=20)
        open_bill = unpaid_from_back is not None and back <= unpaid_from_back
        paid_on = due + datetime.timedelta(days=paid_days_late)
        settled = not open_bill and paid_on <= end
        n = next(_counter)
        bills.append(
            CustomerBill(
                bill_no=f"H5B{n:09d}",
                account=account,
                customer=customer,
                region_id=customer.region_id,
                period_start=start,
                period_end=period_end,
                bill_date=period_end + datetime.timedelta(days=1),
                due_date=due,
                amount_due=Decimal(amount),
                amount_paid=Decimal(amount) if settled else Decimal(0),
                state="settled" if settled else "sent",
                settled_at=_aware(paid_on) if settled else None,
            )
        )
        if settled:
            payments.append(
                Payment(
                    payment_no=f"H5Y{n:09d}",
                    account=account,
                    customer=customer,
                    amount=Decimal(amount),
                    paid_at=_aware(paid_on),
                    channel="counter",
                    method="cash",
                    source="crm",
                )
            )
    CustomerBill.objects.bulk_create(bills)
    Payment.objects.bulk_create(payments)
    return bills
