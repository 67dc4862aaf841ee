"""Reads behind the TMF622 ordering API: the orders a caller may see, loaded the way the representation needs."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ..models import ProductOrder, ProductOrderItem
from .ordering import orders_visible_to


def product_orders_for_api(user) -> QuerySet[ProductOrder]:
    """Visible orders with what ProductOrderSerializer reads (items and their products, address, outlet), in a
    fixed number of queries."""
    items = ProductOrderItem.objects.select_related("product")
    return orders_visible_to(user).select_related("address", "outlet").prefetch_related(Prefetch("items", items))


def cancelled_orders_for_api(user) -> QuerySet[ProductOrder]:
    """Visible cancelled orders: each is the outcome of one cancelProductOrder request."""
    return orders_visible_to(user).filter(state=ProductOrder.State.CANCELLED)
