"""Reads of orders: what a user may see, the counter's pickers (addresses, offerings), next-best offers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.utils import translation

from crm.accounts.selectors import VisibilityScope, visibility_scope
from customers.models import Customer

from ..models import (
    OPEN_ORDER_STATES,
    SELLABLE_STATUSES,
    NextBestOfferRule,
    Product,
    ProductOffering,
    ProductOrder,
    StandardAddress,
    WorkOrder,
    WorkOrderStep,
)
from .catalog import monthly_prices


def orders_visible_to(user) -> QuerySet[ProductOrder]:
    """Orders in the user's region (and grid); province staff and API clients see every order."""
    return visibility_scope(user).filter(ProductOrder.objects.all(), grid_lookup="grid_id")


def order_for_user(user, order_no: str) -> ProductOrder:
    """One order with what its page shows; raises DoesNotExist outside the user's scope."""
    steps = WorkOrderStep.objects.order_by("seq")
    work_orders = WorkOrder.objects.select_related("team", "technician").prefetch_related(Prefetch("steps", steps))
    return (
        orders_visible_to(user)
        .select_related(
            "customer__party",
            "product__specification",
            "offering",
            "address",
            "outlet",
            "created_by",
            "second_checker",
            "new_owner__party",
            "billing_account",
        )
        .prefetch_related(Prefetch("work_orders", work_orders), "items")
        .get(order_no=order_no)
    )


def orders_of_customer(customer: Customer, *, limit: int = 10) -> list[ProductOrder]:
    """The customer's latest orders, open ones first, for the 360 page."""
    is_open = Case(When(state__in=OPEN_ORDER_STATES, then=Value(1)), default=Value(0))
    orders = ProductOrder.objects.filter(customer=customer).select_related("offering", "product")
    return list(orders.annotate(is_open_first=is_open).order_by("-is_open_first", "-created_at")[:limit])


def awaiting_second_check(user) -> QuerySet[ProductOrder]:
    """Sensitive orders waiting for a second staff member (双人复核), oldest first, not the user's own."""
    return (
        orders_visible_to(user)
        .filter(state=ProductOrder.State.ACKNOWLEDGED, second_checked_at__isnull=True)
        .exclude(sensitive_reasons=[])
        .exclude(created_by=user)
        .select_related("customer__party", "product", "new_owner__party", "created_by")
        .order_by("created_at")
    )


def _addresses_in(scope: VisibilityScope) -> QuerySet[StandardAddress]:
    """The standard addresses a scope covers (whole regions: a grid-bound clerk still installs anywhere in the
    region), with the access point the address check reads."""
    return scope.filter(StandardAddress.objects.select_related("access_point", "area"), grid_lookup=None)


def _region_scope(region_id: int | None) -> VisibilityScope:
    return VisibilityScope(all_regions=False, region_id=region_id, nothing=region_id is None)


def _addresses_matching(scope: VisibilityScope, query: str, limit: int) -> list[StandardAddress]:
    query = query.strip()
    if len(query) < 2:
        return []
    return list(_addresses_in(scope).filter(text__contains=query).order_by("text")[:limit])


def addresses_matching(user, query: str, *, limit: int = 12) -> list[StandardAddress]:
    """Standard addresses of the user's region containing the typed text (search as you type)."""
    return _addresses_matching(visibility_scope(user), query, limit)


def addresses_matching_in_region(region_id: int | None, query: str, *, limit: int = 12) -> list[StandardAddress]:
    """Standard addresses of one region containing the typed text (the portal: the customer's own region)."""
    return _addresses_matching(_region_scope(region_id), query, limit)


def live_products_of(customer: Customer) -> list[Product]:
    """The subscriptions an order may act on: not terminated, bundles before their components."""
    return list(
        Product.objects.filter(customer=customer)
        .exclude(status=Product.Status.TERMINATED)
        .select_related("offering", "specification")
        .order_by("bundle_id", "id")
    )


@dataclass(frozen=True)
class Offer:
    offering: ProductOffering
    reason: str


def next_best_offers(customer: Customer, *, limit: int = 3, products: list[Product] | None = None) -> list[Offer]:
    """Up to ``limit`` offerings that fit the customer, each with the reason to read out (rules table first).
    ``products`` (the customer's live products with their specification) saves a query when the caller has them."""
    if products is None:
        products = list(
            Product.objects.filter(customer=customer)
            .exclude(status=Product.Status.TERMINATED)
            .select_related("specification")
        )
    live = [p for p in products if p.status != Product.Status.TERMINATED]
    kinds = {p.specification.kind for p in live if p.specification_id}
    owned = {p.offering_id for p in live}
    monthly = monthly_prices()
    spend = sum((monthly.get(p.offering_id, Decimal(0)) for p in live if p.bundle_id is None), Decimal(0))
    rules = NextBestOfferRule.objects.filter(is_active=True, offering__lifecycle_status__in=SELLABLE_STATUSES)
    rules = rules.filter(Q(customer_class="") | Q(customer_class=customer.customer_class))
    rules = rules.filter(Q(segment="") | Q(segment=customer.segment))
    rules = rules.filter(Q(min_monthly_spend__isnull=True) | Q(min_monthly_spend__lte=spend))
    rules = rules.filter(Q(max_monthly_spend__isnull=True) | Q(max_monthly_spend__gte=spend))
    english = translation.get_language() and translation.get_language().startswith("en")
    offers: list[Offer] = []
    for rule in rules.select_related("offering").order_by("-priority", "id"):
        if rule.offering_id in owned or any(o.offering.pk == rule.offering_id for o in offers):
            continue
        if rule.has_kind and rule.has_kind not in kinds:
            continue
        if rule.lacks_kind and rule.lacks_kind in kinds:
            continue
        classes = rule.offering.customer_classes
        if classes and customer.customer_class not in classes:
            continue
        offers.append(Offer(rule.offering, (rule.reason_en or rule.reason) if english else rule.reason))
        if len(offers) == limit:
            break
    return offers


def addresses_matching_id(user, address_id: int) -> StandardAddress | None:
    """One standard address of the user's region, with its access point."""
    return _addresses_in(visibility_scope(user)).filter(pk=address_id).first()


def address_in_region(region_id: int | None, address_id: int) -> StandardAddress | None:
    """One standard address of the region (None for another region's or an unknown id), with its access point."""
    return _addresses_in(_region_scope(region_id)).filter(pk=address_id).first()
