"""Reads of the catalog and the product inventory."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.db.models import Q, QuerySet

from ..models import SELLABLE_STATUSES, Product, ProductCategory, ProductOffering, ProductOfferingPrice


def products_of_customer(customer, *, include_terminated: bool = False) -> list[Product]:
    """A customer's product instances, bundles followed by their components, newest first."""
    products = Product.objects.filter(customer=customer).select_related("offering", "specification")
    if not include_terminated:
        products = products.exclude(status=Product.Status.TERMINATED)
    products = list(products.order_by("-start_date", "-id"))
    components: dict[int, list[Product]] = {}
    for product in products:
        if product.bundle_id:
            components.setdefault(product.bundle_id, []).append(product)
    ordered: list[Product] = []
    for product in products:
        if product.bundle_id and product.bundle_id in {p.pk for p in products}:
            continue
        ordered.append(product)
        ordered.extend(components.get(product.pk, []))
    return ordered


def monthly_prices() -> dict[int, Decimal]:
    """Each offering's monthly recurring fee (the catalog has hundreds of offerings, so this is one small read)."""
    monthly: dict[int, Decimal] = {}
    prices = ProductOfferingPrice.objects.filter(
        price_type=ProductOfferingPrice.PriceType.RECURRING, recurring_period="month"
    ).values_list("offering_id", "amount")
    for offering_id, amount in prices:
        monthly[offering_id] = monthly.get(offering_id, Decimal(0)) + amount
    return monthly


def monthly_recurring_charges(customer_ids: list[int]) -> dict[int, Decimal]:
    """Sum of the monthly recurring prices of each customer's live products (the spend estimate until bills).
    A bundle's components are priced by the bundle, so only the bundle's own monthly fee counts.

    Two plain queries instead of one join: the price table is tiny, so autovacuum never analyzes it and a join
    was planned as a scan of every product per price (seconds per batch at a million customers)."""
    monthly = monthly_prices()
    live = (
        Product.objects.filter(customer_id__in=customer_ids, bundle__isnull=True)
        .exclude(status=Product.Status.TERMINATED)
        .values_list("customer_id", "offering_id")
    )
    totals: dict[int, Decimal] = {}
    for customer_id, offering_id in live:
        if offering_id in monthly:
            totals[customer_id] = totals.get(customer_id, Decimal(0)) + monthly[offering_id]
    return totals


def product_inventory_visible_to(user) -> QuerySet[Product]:
    """Product instances of the customers the user may see (API clients and province staff: all)."""
    from crm.accounts.selectors import visibility_scope
    from customers.selectors import customers_visible_to

    if visibility_scope(user).all_regions:
        return Product.objects.all()
    return Product.objects.filter(customer__in=customers_visible_to(user))


def live_product_by_service_number(user, number: str) -> Product | None:
    return (
        product_inventory_visible_to(user)
        .exclude(status=Product.Status.TERMINATED)
        .select_related("customer", "offering")
        .filter(service_number=number.strip())
        .first()
    )


def offerings_sellable(*, customer_class: str | None = None, query: str = "", limit: int = 20) -> list[ProductOffering]:
    """Offerings a clerk may sell now, matching a part of the name or code (search as you type)."""
    offerings = ProductOffering.objects.filter(lifecycle_status__in=SELLABLE_STATUSES).select_related("specification")
    if query.strip():
        offerings = offerings.filter(Q(name__contains=query.strip()) | Q(code__icontains=query.strip()))
    if not customer_class:
        return list(offerings.order_by("code")[:limit])
    # The catalog holds hundreds of offerings, not millions: the class filter runs here, the same on SQLite.
    found = (
        o
        for o in offerings.order_by("code").iterator()
        if not o.customer_classes or customer_class in o.customer_classes
    )
    return list(itertools.islice(found, limit))


def catalog_tree() -> list[tuple[ProductCategory, list[ProductOffering]]]:
    """Root categories with their sellable offerings, for browsing the catalog."""
    categories = (
        ProductCategory.objects.filter(parent__isnull=True).prefetch_related("offerings").order_by("sort_order")
    )
    return [(c, [o for o in c.offerings.all() if o.is_sellable]) for c in categories]
