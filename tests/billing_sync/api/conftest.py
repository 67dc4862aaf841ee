"""Bills with items, usage records and payments of the customers fixture, and API clients of chosen scopes."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient


@pytest.fixture
def client_with(token_for):
    """client_with(*scopes) -> an APIClient with a bearer token carrying those scopes."""

    counter = iter(range(1, 1000))

    def make(*scopes: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(*scopes, client=f'system-{next(counter)}')}")
        return client

    return make


@pytest.fixture
def billing(client_with) -> APIClient:
    return client_with("billing:read")


@pytest.fixture
def products(people, subscribe):
    return {
        "zhang": subscribe(people["zhang"], "59", number="18955512345"),
        "zhangw": subscribe(people["zhangw"], "39", number="18955500000"),
    }


@pytest.fixture
def bills(people, products, make_bill):
    """Two bills of 张伟明 (Hefei; August settled, September open with two items) and one of 张伟 (Wuhu)."""
    from billing_sync.models import BillItem

    zhang_account = people["zhang"].accounts.get()
    august = make_bill(zhang_account, "59.00", month=datetime.date(2026, 8, 1), paid="59.00")
    august.state, august.tax_amount = "settled", Decimal("5.31")
    august.save(update_fields=["state", "tax_amount"])
    september = make_bill(zhang_account, "80.00", month=datetime.date(2026, 9, 1))
    september.tax_amount = Decimal("8.00")
    september.save(update_fields=["tax_amount"])
    wuhu = make_bill(people["zhangw"].accounts.get(), "39.00", month=datetime.date(2026, 9, 1))
    product = products["zhang"]
    for bill, rows in (
        (august, [("recurring", "月租", "59.00")]),
        (september, [("recurring", "月租", "59.00"), ("usage", "国内通话", "21.00")]),
        (wuhu, [("recurring", "月租", "39.00")]),
    ):
        for n, (kind, name, amount) in enumerate(rows, start=1):
            BillItem.objects.create(
                bill=bill, item_no=n, product=product if bill.account_id == zhang_account.pk else products["zhangw"],
                service_number=product.service_number if bill.account_id == zhang_account.pk else "18955500000",
                rate_type=kind, name=name, amount=Decimal(amount),
            )  # fmt: skip
    return {"august": august, "september": september, "wuhu": wuhu}


@pytest.fixture
def usage(people, products):
    """Usage of 张伟明: a call and a data session yesterday, a call 40 days ago; a call of 张伟 two days ago."""
    from billing_sync.models import UsageRecord
    from billing_sync.services.partitions import usage_partitions_ensure

    now = timezone.now()
    usage_partitions_ensure([now - datetime.timedelta(days=d) for d in (0, 1, 2, 40, 70, 100, 130)])

    def record(key, who, days_ago, **kwargs):
        product = products[who]
        return UsageRecord.objects.create(
            record_key=key, started_at=now - datetime.timedelta(days=days_ago), customer_id=product.customer_id,
            account_id=product.customer.accounts.get().pk, product_id=product.pk, service_number=product.service_number,
            **kwargs,
        )  # fmt: skip

    return {
        "call": record(
            "CDR-1",
            "zhang",
            1,
            usage_type="voice",
            other_number="13912345678",
            duration_s=125,
            cell_id="46011-1234",
            charge=Decimal("0.30"),
        ),
        "data": record(
            "CDR-2", "zhang", 1.5, usage_type="data", volume_kb=20480, roaming="domestic", charge=Decimal("1.00")
        ),
        "old": record(
            "CDR-3", "zhang", 40, usage_type="voice", outgoing=False, other_number="13800000000", duration_s=30
        ),
        "wuhu": record("CDR-4", "zhangw", 2, usage_type="sms", other_number="10086"),
    }
