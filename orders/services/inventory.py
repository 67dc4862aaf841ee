"""Writes of the catalog and the product inventory: lifecycles enforced here, hub events published here."""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm import context
from crm.api.registry import register_api
from crm.api.services import event_publish

from ..models import (
    Product,
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)

CATALOG_API = register_api(
    "productCatalogManagement",
    title="TMF620 Product Catalog Management",
    read_scope="catalog:read",
    write_scope="catalog:write",
)
INVENTORY_API = register_api(
    "productInventory", title="TMF637 Product Inventory", read_scope="order:read", write_scope="order:write"
)


class ServiceNumberTaken(Exception):
    """Another live product already has this service number."""


# TMF620 lifecycle of catalog entities.
CATALOG_TRANSITIONS = {
    "In study": {"In design", "Rejected"},
    "In design": {"In test", "Rejected", "In study"},
    "In test": {"Active", "Launched", "Rejected", "In design"},
    "Active": {"Launched", "Retired"},
    "Launched": {"Retired", "Active"},
    "Retired": {"Obsolete", "Launched"},
    "Obsolete": set(),
    "Rejected": set(),
}
# TMF637 product lifecycle.
PRODUCT_TRANSITIONS = {
    "created": {"pendingActive", "active", "terminated"},
    "pendingActive": {"active", "terminated"},
    "active": {"suspended", "pendingTerminate", "terminated"},
    "suspended": {"active", "pendingTerminate", "terminated"},
    "pendingTerminate": {"terminated", "active"},
    "terminated": set(),
}
CATALOG_RESOURCES = {
    ProductOffering: "productOffering",
    ProductSpecification: "productSpecification",
    ProductOfferingPrice: "productOfferingPrice",
    ProductCategory: "category",
    ProductCatalog: "catalog",
}


def _event(api, resource_name: str, change: str, representation: dict) -> None:
    event_type = f"{resource_name[0].upper()}{resource_name[1:]}{change}Event"
    event_publish(api_name=api.name, event_type=event_type, resource_name=resource_name, resource=representation)


def _catalog_representation(instance) -> dict:
    from ..api import serializers

    serializer = serializers.CATALOG_SERIALIZERS[type(instance)]
    return serializer(instance).data


def new_code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@transaction.atomic
def catalog_entity_create(*, instance, relations: dict | None = None):
    """Save a new catalog entity (offering, specification, price, category, catalog) and announce it."""
    if hasattr(instance, "code") and not instance.code:
        instance.code = new_code(CATALOG_RESOURCES[type(instance)][:8].lower())
    instance.full_clean()
    instance.save()
    for name, values in (relations or {}).items():
        getattr(instance, name).set(values)
    _event(CATALOG_API, CATALOG_RESOURCES[type(instance)], "Create", _catalog_representation(instance))
    return instance


@transaction.atomic
def catalog_entity_update(*, instance, changes: dict, relations: dict | None = None):
    """Change a catalog entity; a lifecycleStatus change must follow the TMF620 lifecycle."""
    instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    old_status = instance.lifecycle_status
    new_status = changes.get("lifecycle_status", old_status)
    if new_status != old_status and new_status not in CATALOG_TRANSITIONS.get(old_status, set()):
        raise ValueError(f"lifecycleStatus cannot go from {old_status} to {new_status}")
    attributes_changed = False
    for name, value in changes.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            attributes_changed = attributes_changed or name != "lifecycle_status"
    instance.full_clean()
    instance.save()
    for name, values in (relations or {}).items():
        getattr(instance, name).set(values)
        attributes_changed = True
    resource = CATALOG_RESOURCES[type(instance)]
    if new_status != old_status:
        _event(CATALOG_API, resource, "StateChange", _catalog_representation(instance))
    if attributes_changed:
        _event(CATALOG_API, resource, "AttributeValueChange", _catalog_representation(instance))
    return instance


def _product_representation(product: Product) -> dict:
    from ..api.serializers import ProductSerializer

    return ProductSerializer(product).data


@transaction.atomic
def product_create(
    *,
    customer,
    offering: ProductOffering,
    service_number: str = "",
    billing_account=None,
    install_address: str = "",
    status: str = Product.Status.CREATED,
    start_date=None,
    bundle=None,
    characteristics: list | None = None,
) -> Product:
    """Add a product instance to a customer's inventory; a live service number must be free."""
    if status not in (Product.Status.CREATED, Product.Status.PENDING_ACTIVE, Product.Status.ACTIVE):
        raise ValueError("A new product is created, pendingActive or active")
    if billing_account is not None and billing_account.customer_id != customer.pk:
        raise ValueError("The billing account belongs to another customer")
    product = Product(
        product_no=new_code("P")[:20],
        customer=customer,
        offering=offering,
        specification=offering.specification,
        service_number=service_number.strip(),
        billing_account=billing_account,
        install_address=install_address,
        region_id=customer.region_id,
        area_id=customer.area_id,
        grid_id=customer.grid_id,
        status=status,
        start_date=start_date or (timezone.localdate() if status == Product.Status.ACTIVE else None),
        bundle=bundle,
        characteristics=characteristics or [],
    )
    _save_product(product)
    # Every field is set above, so the number is the only change: no re-read (it would drop offering and spec).
    product.product_no = f"P{product.pk:011d}"
    Product.objects.filter(pk=product.pk).update(product_no=product.product_no)
    _event(INVENTORY_API, "product", "Create", _product_representation(product))
    return product


def _save_product(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        if "product_unique_live_service_number" in str(exc):
            raise ServiceNumberTaken(f"Service number {product.service_number} is in use by a live product") from exc
        raise


def product_status_change(*, product: Product, status: str, actor=None, when: datetime.date | None = None) -> Product:
    """Move a product along the TMF637 lifecycle; activation sets the start date, termination the end date.
    ``actor`` (a user) is recorded as who made the change when the caller is not already acting as them."""
    if actor is not None and context.current().actor_id != actor.pk:
        with context.acting_as(actor=actor, channel=context.current().channel):
            return _product_status_change(product=product, status=status, when=when)
    return _product_status_change(product=product, status=status, when=when)


@transaction.atomic
def _product_status_change(*, product: Product, status: str, when: datetime.date | None) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    if status == product.status:
        return product
    if status not in PRODUCT_TRANSITIONS[product.status]:
        raise ValueError(f"A {product.status} product cannot become {status}")
    when = when or timezone.localdate()
    if status == Product.Status.ACTIVE and product.start_date is None:
        product.start_date = when
    if status == Product.Status.TERMINATED:
        product.termination_date = max(when, product.start_date) if product.start_date else when
    product.status = status
    _save_product(product)
    _event(INVENTORY_API, "product", "StateChange", _product_representation(product))
    return product


@transaction.atomic
def product_attribute_change(
    *,
    product: Product,
    service_number: str | None = None,
    install_address: str | None = None,
    billing_account=None,
    characteristics: list | None = None,
) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    changed = False
    for name, value in (
        ("service_number", service_number),
        ("install_address", install_address),
        ("characteristics", characteristics),
    ):
        if value is not None and getattr(product, name) != value:
            setattr(product, name, value)
            changed = True
    if billing_account is not None and billing_account.pk != product.billing_account_id:
        if billing_account.customer_id != product.customer_id:
            raise ValueError("The billing account belongs to another customer")
        product.billing_account, changed = billing_account, True
    if changed:
        _save_product(product)
        _event(INVENTORY_API, "product", "AttributeValueChange", _product_representation(product))
    return product


@transaction.atomic
def product_offering_change(*, product: Product, offering: ProductOffering) -> Product:
    """Move a subscription to another offering of the same kind (套餐变更)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.offering_id == offering.pk:
        return product
    product.offering, product.specification = offering, offering.specification or product.specification
    _save_product(product)
    _event(INVENTORY_API, "product", "AttributeValueChange", _product_representation(product))
    return product


@transaction.atomic
def product_owner_change(*, product: Product, customer) -> Product:
    """Give a subscription to another customer (过户): it moves to the new owner's first account."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.customer_id == customer.pk:
        return product
    product.customer = customer
    product.billing_account = customer.accounts.order_by("pk").first()
    _save_product(product)
    _event(INVENTORY_API, "product", "AttributeValueChange", _product_representation(product))
    return product
