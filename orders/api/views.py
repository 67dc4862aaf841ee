"""TMF620 productOffering, productSpecification, productOfferingPrice, category, catalog; TMF637 product."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api.exceptions import Unprocessable, business_refusals
from crm.api.views import TMFMergePatchMixin, TMFReadOnlyViewSet
from customers.models import BillingAccount
from customers.selectors import customers_visible_to

from .. import services
from ..models import (
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)
from ..selectors import product_inventory_visible_to
from . import serializers as s


def domain_errors():
    return business_refusals(conflicts=(services.ServiceNumberTaken,))


def _get(model, ref: dict | None, field: str, queryset=None):
    if not ref:
        return None
    raw = str(ref.get("id", ""))
    found = (queryset if queryset is not None else model.objects).filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        raise ValidationError({field: f"{model._meta.object_name} {raw} not found"})
    return found


def _many(model, refs: list | None, field: str) -> list:
    return [_get(model, r, field) for r in refs or []]


class _Writable(TMFMergePatchMixin, mixins.CreateModelMixin, TMFReadOnlyViewSet):
    input_serializer_class = None

    def created(self, instance) -> Response:
        return Response(
            self.get_serializer(self.get_queryset().get(pk=instance.pk)).data, status=status.HTTP_201_CREATED
        )

    def create(self, request, *args, **kwargs):
        data = self.input_serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        with domain_errors():
            instance = self.perform_tmf_create(data.validated_data)
        return self.created(instance)


# --- TMF620 ------------------------------------------------------------------------------------------------


class _CatalogViewSet(_Writable):
    """Create and patch share one mapping from the TMF body to model fields (``changes``) and one service each."""

    read_scope, write_scope = services.CATALOG_API.read_scope, services.CATALOG_API.write_scope
    model: type

    def changes(self, v: dict, instance) -> tuple[dict, dict]:
        """(field values, many-to-many relations) from a validated create or merged patch body."""
        raise NotImplementedError

    def perform_tmf_create(self, v):
        instance = self.model(code=v.get("externalId", "")) if hasattr(self.model, "code") else self.model()
        changes, relations = self.changes(v, instance)
        for name, value in changes.items():
            setattr(instance, name, value)
        return services.catalog_entity_create(instance=instance, relations=relations)

    def perform_patch(self, instance, validated_data):
        changes, relations = self.changes(validated_data, instance)
        with domain_errors():
            services.catalog_entity_update(instance=instance, changes=changes, relations=relations)
        return self.get_queryset().get(pk=instance.pk)


def _lifecycle_and_validity(v: dict, changes: dict) -> dict:
    if "lifecycleStatus" in v:
        changes["lifecycle_status"] = v["lifecycleStatus"]
    valid = v.get("validFor") or {}
    for key, attr in (("startDateTime", "valid_from"), ("endDateTime", "valid_to")):
        if key in valid:
            changes[attr] = valid[key]
    return changes


class ProductOfferingViewSet(_CatalogViewSet):
    model = ProductOffering
    serializer_class = s.ProductOfferingSerializer
    patch_serializer_class = s.ProductOfferingPatch
    input_serializer_class = s.ProductOfferingInput
    tmf_filters = {
        "id": ("id", int),
        "name": "name__contains",
        "lifecycleStatus": "lifecycle_status",
        "isBundle": ("is_bundle", "bool"),
        "category.id": ("categories__id", int),
        "productSpecification.id": ("specification_id", int),
        "lastUpdate": ("updated_at", "datetime"),
    }

    def get_queryset(self):
        return (
            ProductOffering.objects.select_related("specification")
            .prefetch_related("bundled_offerings", "prices", "categories")
            .order_by("id")
            .distinct()
        )

    def changes(self, v, offering):
        changes = {
            "name": v["name"],
            "description": v.get("description", offering.description),
            "is_bundle": v.get("isBundle", False),
            "specification": _get(ProductSpecification, v.get("productSpecification"), "productSpecification"),
        }
        relations = {
            "bundled_offerings": _many(ProductOffering, v.get("bundledProductOffering"), "bundledProductOffering"),
            "categories": _many(ProductCategory, v.get("category"), "category"),
        }
        return _lifecycle_and_validity(v, changes), relations


class ProductSpecificationViewSet(_CatalogViewSet):
    model = ProductSpecification
    serializer_class = s.ProductSpecificationSerializer
    patch_serializer_class = s.ProductSpecificationPatch
    input_serializer_class = s.ProductSpecificationInput
    tmf_filters = {
        "id": ("id", int),
        "name": "name__contains",
        "lifecycleStatus": "lifecycle_status",
        "productSpecCharacteristic.kind": "kind",
        "brand": "brand",
    }

    def get_queryset(self):
        return ProductSpecification.objects.order_by("id")

    def changes(self, v, spec):
        chars = v.get("productSpecCharacteristic") or {"kind": None, "grade": spec.grade, "other": spec.characteristics}
        changes = {
            "name": v["name"],
            "description": v.get("description", spec.description),
            "brand": v.get("brand", spec.brand),
            "kind": chars["kind"] or spec.kind,
            "grade": chars["grade"],
            "characteristics": chars["other"],
        }
        if not changes["kind"]:
            raise ValidationError({"productSpecCharacteristic": "a characteristic kind is required"})
        return _lifecycle_and_validity(v, changes), {}


class ProductOfferingPriceViewSet(_CatalogViewSet):
    model = ProductOfferingPrice
    serializer_class = s.ProductOfferingPriceSerializer
    patch_serializer_class = s.ProductOfferingPricePatch
    input_serializer_class = s.ProductOfferingPriceInput
    tmf_filters = {
        "id": ("id", int),
        "name": "name",
        "priceType": "price_type",
        "lifecycleStatus": "lifecycle_status",
        "productOffering.id": ("offering_id", int),
        "price.value": ("amount", "decimal"),
    }

    def get_queryset(self):
        return ProductOfferingPrice.objects.select_related("offering").order_by("id")

    def changes(self, v, price):
        changes = {"name": v["name"], "amount": v["price"]}
        if price.pk is None:  # what a price is for and how it recurs are set once, at creation
            changes.update(
                offering=_get(ProductOffering, v["productOffering"], "productOffering"),
                price_type=v["priceType"],
                recurring_period=v.get("recurringChargePeriodType") or "",
                tax_rate=v.get("percentage", 0),
            )
        return _lifecycle_and_validity(v, changes), {}


class CategoryViewSet(_CatalogViewSet):
    model = ProductCategory
    serializer_class = s.CategorySerializer
    patch_serializer_class = s.CategoryPatch
    input_serializer_class = s.CategoryInput
    tmf_filters = {
        "id": ("id", int),
        "name": "name",
        "lifecycleStatus": "lifecycle_status",
        "parentId": ("parent_id", int),
        "isRoot": ("parent__isnull", "bool"),
    }

    def get_queryset(self):
        return ProductCategory.objects.prefetch_related("children").order_by("sort_order", "id")

    def changes(self, v, category):
        parent_id = v.get("parentId")
        parent = _get(ProductCategory, {"id": parent_id}, "parentId") if parent_id else None
        if parent is not None and parent.pk == category.pk:
            raise ValidationError({"parentId": "a category cannot be its own parent"})
        changes = {"name": v["name"], "description": v.get("description", ""), "parent": parent}
        return _lifecycle_and_validity(v, changes), {}


class CatalogViewSet(_CatalogViewSet):
    model = ProductCatalog
    serializer_class = s.CatalogSerializer
    patch_serializer_class = s.CatalogPatch
    input_serializer_class = s.CatalogInput
    tmf_filters = {
        "id": ("id", int),
        "name": "name",
        "lifecycleStatus": "lifecycle_status",
        "catalogType": "catalog_type",
    }

    def get_queryset(self):
        return ProductCatalog.objects.prefetch_related("categories").order_by("id")

    def changes(self, v, catalog):
        changes = {
            "name": v["name"],
            "description": v.get("description", catalog.description),
            "catalog_type": v.get("catalogType") or catalog.catalog_type,
        }
        return _lifecycle_and_validity(v, changes), {
            "categories": _many(ProductCategory, v.get("category"), "category")
        }


# --- TMF637 ------------------------------------------------------------------------------------------------


def _place(places: list) -> str | None:
    for place in places or []:
        if place.get("role", "installationAddress") == "installationAddress":
            return str(place.get("name") or place.get("street1") or "")[:255]
    return None


class ProductViewSet(_Writable):
    read_scope, write_scope = services.INVENTORY_API.read_scope, services.INVENTORY_API.write_scope
    serializer_class = s.ProductSerializer
    patch_serializer_class = s.ProductPatch
    input_serializer_class = s.ProductInput
    tmf_filters = {
        "id": ("id", int),
        "status": "status",
        "productSerialNumber": "service_number",
        "productOffering.id": ("offering_id", int),
        "productSpecification.id": ("specification_id", int),
        "relatedParty.id": ("customer_id", int),
        "billingAccount.id": ("billing_account_id", int),
        "startDate": ("start_date", "date"),
        "terminationDate": ("termination_date", "date"),
    }

    def get_queryset(self):
        return (
            product_inventory_visible_to(self.request.user).select_related("offering", "specification").order_by("id")
        )

    @extend_schema(request=s.ProductInput, responses={201: s.ProductSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_tmf_create(self, v):
        ref = next(r for r in v["relatedParty"] if r.get("role", "customer") == "customer")
        customer = (
            customers_visible_to(self.request.user).filter(pk=int(ref["id"])).first() if ref["id"].isdigit() else None
        )
        if customer is None:
            raise ValidationError({"relatedParty": f"customer {ref['id']} not found"})
        offering = _get(ProductOffering, v["productOffering"], "productOffering")
        if not offering.is_sellable:
            raise Unprocessable(f"Offering {offering.name} is {offering.lifecycle_status} and cannot be sold")
        account = _get(BillingAccount, v.get("billingAccount"), "billingAccount")
        return services.product_create(
            customer=customer,
            offering=offering,
            service_number=v["productSerialNumber"],
            billing_account=account,
            install_address=_place(v["place"]) or "",
            status=v["status"],
            start_date=v.get("startDate"),
            characteristics=v["productCharacteristic"],
        )

    def perform_patch(self, instance, validated_data):
        account = _get(BillingAccount, validated_data.get("billingAccount"), "billingAccount")
        with domain_errors():
            services.product_attribute_change(
                product=instance,
                service_number=validated_data.get("productSerialNumber") or "",
                install_address=_place(validated_data.get("place")),
                billing_account=account,
                characteristics=validated_data.get("productCharacteristic"),
            )
            services.product_status_change(product=instance, status=validated_data["status"], actor=self.request.user)
        return self.get_queryset().get(pk=instance.pk)
