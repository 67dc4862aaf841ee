"""Customers of two regions, a person each and an organisation, with phones and accounts."""

import pytest

from customers.models import BillingAccount, ContactMedium, Customer, Party


@pytest.fixture
def people(hefei, wuhu):
    def make(no, name, region, *, id_number=None, credit_code=None, phone, account):
        kind = "individual" if id_number else "organization"
        party = Party.objects.create(kind=kind, name=name, id_number=id_number, credit_code=credit_code)
        ContactMedium.objects.create(party=party, kind="phone", value=phone, region=region)
        customer = Customer.objects.create(
            customer_no=no, party=party, region=region,
            customer_class="public" if id_number else "key_account", service_level="gold" if id_number else "3A",
        )  # fmt: skip
        BillingAccount.objects.create(account_no=account, customer=customer)
        return customer

    return {
        "zhang": make(
            "C00000000001", "张伟明", hefei, id_number="11010519491231002X", phone="18955512345", account="A00000000001"
        ),
        "zhangw": make(
            "C00000000002", "张伟", wuhu, id_number="440524188001010014", phone="18955500000", account="A00000000002"
        ),
        "corp": make(
            "C00000000003",
            "合肥华信科技有限公司",
            hefei,
            credit_code="91350100M000100Y43",
            phone="05515551234",
            account="A00000000003",
        ),
    }


@pytest.fixture
def subscribe(db):
    """subscribe(customer, monthly_fee, number=...) -> a live mobile product on an offering with that monthly fee."""
    import datetime
    from decimal import Decimal

    from orders.models import Product, ProductOffering, ProductOfferingPrice, ProductSpecification

    spec, _ = ProductSpecification.objects.get_or_create(code="t-mobile", defaults={"name": "移动", "kind": "mobile"})
    counter = iter(range(1, 10_000))

    def make(customer, monthly_fee, *, number=None, status="active"):
        n = next(counter)
        offering = ProductOffering.objects.create(code=f"t-plan-{n}", name=f"套餐{monthly_fee}", specification=spec)
        ProductOfferingPrice.objects.create(
            offering=offering,
            name="月租",
            price_type="recurring",
            recurring_period="month",
            amount=Decimal(monthly_fee),
        )
        return Product.objects.create(
            product_no=f"P{customer.pk:08d}{n:04d}", customer=customer, offering=offering, specification=spec,
            service_number=number or f"1330000{n:04d}", region=customer.region, status=status,
            termination_date=datetime.date(2026, 1, 1) if status == "terminated" else None,
        )  # fmt: skip

    return make


@pytest.fixture
def level_table(db):
    """The default service-level table of the data migration (a transactional test elsewhere may have flushed it)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("customers.migrations.0004_level_thresholds_and_name_search")
    migration.add_thresholds(apps, None)
