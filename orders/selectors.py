"""Reads of the catalog and the product inventory."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from .models import Product, ProductOfferingPrice


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


def monthly_recurring_charges(customer_ids: list[int]) -> dict[int, Decimal]:
    """Sum of the monthly recurring prices of each customer's live products (the spend estimate until bills)."""
    live = Product.objects.filter(customer_id__in=customer_ids).exclude(status=Product.Status.TERMINATED)
    prices = ProductOfferingPrice.objects.filter(
        price_type=ProductOfferingPrice.PriceType.RECURRING, recurring_period="month"
    )
    rows = (
        live.filter(offering__prices__in=prices)
        .values("customer_id")
        .annotate(total=Sum("offering__prices__amount"))
        .values_list("customer_id", "total")
    )
    return {customer_id: total or Decimal(0) for customer_id, total in rows}
