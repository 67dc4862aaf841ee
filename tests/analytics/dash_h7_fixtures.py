"""Small builders for the customer base, satisfaction and consumption dashboard tests: customers, products, bills
and usage made directly, so each figure can be worked out by hand."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.test import Client

from customers.models import BillingAccount, Customer, Party
from orders.models import Product, ProductOffering, ProductSpecification

_seq = itertools.count(1)


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def make_customer(
    region,
    *,
    customer_class="public",
    level="basic",
    since=None,
    status="active",
    segment="",
    value_group="",
    activity_group="",
    behaviour="",
) -> Customer:
    n = next(_seq)
    party = Party.objects.create(kind="individual", name=f"客户{n}", id_number=f"34010119900101{n:04d}")
    return Customer.objects.create(
        customer_no=f"H7{n:06d}",
        party=party,
        customer_class=customer_class,
        service_level=level,
        status=status,
        region=region,
        since=since,
        segment=segment,
        value_group=value_group,
        activity_group=activity_group,
        behaviour_segment=behaviour,
    )


def account_of(customer) -> BillingAccount:
    account = customer.accounts.first()
    return account or BillingAccount.objects.create(account_no=f"A{customer.customer_no}", customer=customer)


def offering(kind: str = "mobile", *, bundle: bool = False) -> ProductOffering:
    if bundle:
        return ProductOffering.objects.get_or_create(
            code="h7-bundle", defaults={"name": "融合套餐", "is_bundle": True}
        )[0]
    spec = ProductSpecification.objects.get_or_create(code=f"h7-{kind}", defaults={"name": kind, "kind": kind})[0]
    return ProductOffering.objects.get_or_create(code=f"h7-o-{kind}", defaults={"name": kind, "specification": spec})[0]


def make_product(customer, *, kind="mobile", bundle=False, start=datetime.date(2024, 1, 1), end=None) -> Product:
    n = next(_seq)
    return Product.objects.create(
        product_no=f"P{n:08d}",
        customer=customer,
        billing_account=account_of(customer),
        offering=offering(kind, bundle=bundle),
        service_number=f"1890000{n:04d}",
        region=customer.region,
        status="terminated" if end else "active",
        start_date=start,
        termination_date=end,
    )


def make_bill(customer, month: datetime.date, amount: str, items: list[tuple[Product | None, str]] = ()):
    """A bill of the month with items (product, amount)."""
    from billing_sync.models import BillItem, CustomerBill

    n = next(_seq)
    bill = CustomerBill.objects.create(
        bill_no=f"B{n:08d}",
        account=account_of(customer),
        customer=customer,
        region=customer.region,
        period_start=month,
        period_end=month + datetime.timedelta(days=27),
        bill_date=month + datetime.timedelta(days=28),
        due_date=month + datetime.timedelta(days=45),
        amount_due=Decimal(amount),
    )
    for i, (product, value) in enumerate(items, start=1):
        BillItem.objects.create(
            bill=bill, item_no=i, product=product, rate_type="usage", name="x", amount=Decimal(value)
        )
    return bill
