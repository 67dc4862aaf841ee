"""seed_demo's catalog and subscriptions: a complete catalog, and products that respect every invariant."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from customers.models import ContactMedium, Customer, KeyAccountContract
from orders.models import Product, ProductCatalog, ProductOffering, ProductSpecification

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", "--customers", "600", "--seed", "3", stdout=io.StringIO())


def test_the_catalog_has_every_kind_priced_bundles_and_two_catalogs(seeded):
    kinds = set(ProductSpecification.objects.values_list("kind", flat=True))
    assert kinds == {"fixed_line", "mobile", "broadband", "iptv", "dia", "vas"}
    assert set(ProductSpecification.objects.filter(kind="dia").values_list("grade", flat=True)) == {
        "gold", "silver", "ordinary"}  # fmt: skip
    unpriced = ProductOffering.objects.filter(~Q(prices__price_type="recurring"))
    assert not unpriced.exists()
    bundle = ProductOffering.objects.get(code="fuse-229")
    assert bundle.is_bundle and bundle.bundled_offerings.count() == 4
    assert not ProductCatalog.objects.get(code="portal").categories.filter(code="dia").exists()


def test_subscriptions_respect_the_invariants(seeded):
    live = Product.objects.exclude(status="terminated").exclude(service_number="")
    duplicates = live.values("service_number").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    # A public customer's mobile is their own phone number.
    mobile = Product.objects.filter(specification__kind="mobile", customer__customer_class="public").first()
    assert ContactMedium.objects.filter(
        party__customers=mobile.customer, kind="phone", value=mobile.service_number
    ).exists()
    # Bundles carry their components; churned customers' products are terminated with a date.
    bundle = Product.objects.filter(offering__is_bundle=True).first()
    assert bundle.components.count() >= 3
    assert not Product.objects.filter(customer__status="churned").exclude(status="terminated").exists()
    assert not Product.objects.filter(status="terminated", termination_date__isnull=True).exists()
    # Key accounts have dedicated lines; prospects have nothing yet.
    assert Product.objects.filter(specification__kind="dia", customer__customer_class="key_account").exists()
    assert not Product.objects.filter(customer__status="prospect").exists()
    assert Customer.objects.filter(status="active", products__isnull=True).count() == 0
    # Start dates: within the last ten years, never before the customer joined; ordered ones have none yet.
    today = timezone.localdate()
    assert not Product.objects.filter(start_date__lt=today - datetime.timedelta(days=3651)).exists()
    assert not Product.objects.filter(start_date__lt=F("customer__since")).exists()
    assert not Product.objects.filter(status__in=["created", "pendingActive"], start_date__isnull=False).exists()
    assert not Product.objects.filter(status="active", start_date__isnull=True).exists()


def test_key_accounts_get_contracts_visits_and_plans(seeded):
    contract = KeyAccountContract.objects.select_related("customer").first()
    assert contract.customer.customer_class == "key_account" and contract.sla_level == contract.customer.service_level
    assert Customer.objects.filter(customer_class="key_account", visits__isnull=False).exists()
    assert Customer.objects.filter(customer_class="key_account", communication_plans__isnull=False).exists()
