"""Small builders for the network and competitor dashboard tests: customers with a mobile line in a grid, and usage
records at local times (partitions made first)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.test import Client
from django.utils import timezone

_keys = itertools.count(1)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone())


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def line(key: str, region, *, grid=None, offering="plan-a", number: str | None = None):
    """A public customer with one active mobile line of the offering; returns the Product."""
    from customers.models import BillingAccount, Customer, Party
    from orders.models import Product, ProductOffering, ProductSpecification

    spec, _ = ProductSpecification.objects.get_or_create(code="h8-mobile", defaults={"name": "m", "kind": "mobile"})
    plan, _ = ProductOffering.objects.get_or_create(code=offering, defaults={"name": offering, "specification": spec})
    party = Party.objects.create(kind="individual", name=f"王{key}明", id_number=f"H8{key:0>16}")
    customer = Customer.objects.create(
        customer_no=f"CH8{key}", party=party, region=region, grid=grid, customer_class="public", service_level="basic"
    )
    account = BillingAccount.objects.create(account_no=f"AH8{key}", customer=customer)
    return Product.objects.create(
        product_no=f"PH8{key}",
        customer=customer,
        billing_account=account,
        offering=plan,
        specification=spec,
        region=region,
        service_number=number or f"1890000{key:0>4}",
        status="active",
        start_date=datetime.date(2025, 1, 1),
    )


def usage(
    product,
    when: datetime.datetime,
    *,
    kind="voice",
    seconds=0,
    kb=0,
    charge="0",
    cell="",
    other="",
    outgoing=True,
    roaming="none",
):
    from billing_sync.models import UsageRecord
    from billing_sync.services.partitions import usage_partitions_ensure

    usage_partitions_ensure([timezone.localtime(when).date()])
    return UsageRecord.objects.create(
        record_key=f"H8{next(_keys)}",
        started_at=when,
        account_id=product.billing_account_id,
        customer_id=product.customer_id,
        product_id=product.pk,
        service_number=product.service_number,
        usage_type=kind,
        outgoing=outgoing,
        other_number=other,
        duration_s=seconds,
        volume_kb=kb,
        cell_id=cell,
        roaming=roaming,
        charge=Decimal(charge),
    )
