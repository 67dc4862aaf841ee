"""TMF620 catalog resources and the TMF637 product, as the official v4 swaggers name them."""

from __future__ import annotations

from rest_framework import serializers

from crm.api.serializers import TMFSerializer

from ..models import (
    LifecycleStatus,
    Product,
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)


def ref(obj, referred: str | None = None) -> dict | None:
    if obj is None:
        return None
    out = {"id": str(obj.pk), "name": getattr(obj, "name", str(obj))}
    if referred:
        out["@referredType"] = referred
    return out


def valid_for(obj) -> dict:
    start, end = getattr(obj, "valid_from", None), getattr(obj, "valid_to", None)
    return {"startDateTime": start.isoformat() if start else None, "endDateTime": end.isoformat() if end else None}


class ProductSpecificationSerializer(TMFSerializer):
    class Meta:
        tmf_type = "ProductSpecification"

    def build(self, spec: ProductSpecification) -> dict:
        chars = [{"name": "kind", "valueType": "string", "productSpecCharacteristicValue": [{"value": spec.kind}]}]
        if spec.grade:
            chars.append(
                {
                    "name": "serviceGrade",
                    "valueType": "string",
                    "productSpecCharacteristicValue": [{"value": spec.grade}],
                }
            )
        for item in spec.characteristics or []:
            chars.append(
                {
                    "name": item.get("name", ""),
                    "valueType": item.get("valueType", "string"),
                    "productSpecCharacteristicValue": [{"value": item.get("value")}],
                }
            )
        return {
            "name": spec.name,
            "description": spec.description,
            "brand": spec.brand,
            "productNumber": spec.code,
            "isBundle": False,
            "lifecycleStatus": spec.lifecycle_status,
            "lastUpdate": spec.updated_at.isoformat() if spec.updated_at else None,
            "productSpecCharacteristic": chars,
        }


class ProductOfferingSerializer(TMFSerializer):
    class Meta:
        tmf_type = "ProductOffering"

    def build(self, offering: ProductOffering) -> dict:
        return {
            "name": offering.name,
            "description": offering.description,
            "isBundle": offering.is_bundle,
            "isSellable": offering.is_sellable,
            "lifecycleStatus": offering.lifecycle_status,
            "validFor": valid_for(offering),
            "lastUpdate": offering.updated_at.isoformat() if offering.updated_at else None,
            "productSpecification": ref(offering.specification, "ProductSpecification"),
            "bundledProductOffering": [ref(o) for o in offering.bundled_offerings.all()],
            "productOfferingPrice": [ref(p, "ProductOfferingPrice") for p in offering.prices.all()],
            "category": [ref(c, "Category") for c in offering.categories.all()],
            "marketSegment": [{"id": c, "name": c} for c in offering.customer_classes or []],
            "externalId": offering.code,
        }


class ProductOfferingPriceSerializer(TMFSerializer):
    class Meta:
        tmf_type = "ProductOfferingPrice"

    def build(self, price: ProductOfferingPrice) -> dict:
        return {
            "name": price.name,
            "priceType": price.price_type,
            "recurringChargePeriodType": price.recurring_period or None,
            "recurringChargePeriodLength": 1 if price.recurring_period else None,
            "unitOfMeasure": {"units": price.unit_of_measure} if price.unit_of_measure else None,
            "price": {"unit": "CNY", "value": float(price.amount)},
            "percentage": float(price.tax_rate),
            "isBundle": False,
            "lifecycleStatus": price.lifecycle_status,
            "validFor": valid_for(price),
            "lastUpdate": price.updated_at.isoformat() if price.updated_at else None,
            "productOffering": ref(price.offering, "ProductOffering"),  # extension: the offering it prices
        }


class CategorySerializer(TMFSerializer):
    class Meta:
        tmf_type = "Category"

    def build(self, category: ProductCategory) -> dict:
        return {
            "name": category.name,
            "description": category.description,
            "isRoot": category.parent_id is None,
            "parentId": str(category.parent_id) if category.parent_id else None,
            "lifecycleStatus": category.lifecycle_status,
            "lastUpdate": category.updated_at.isoformat() if category.updated_at else None,
            "subCategory": [ref(c, "Category") for c in category.children.all()],
        }


class CatalogSerializer(TMFSerializer):
    class Meta:
        tmf_type = "Catalog"

    def build(self, catalog: ProductCatalog) -> dict:
        return {
            "name": catalog.name,
            "description": catalog.description,
            "catalogType": catalog.catalog_type,
            "lifecycleStatus": catalog.lifecycle_status,
            "validFor": valid_for(catalog),
            "lastUpdate": catalog.updated_at.isoformat() if catalog.updated_at else None,
            "category": [ref(c, "Category") for c in catalog.categories.all()],
        }


CATALOG_SERIALIZERS = {
    ProductOffering: ProductOfferingSerializer,
    ProductSpecification: ProductSpecificationSerializer,
    ProductOfferingPrice: ProductOfferingPriceSerializer,
    ProductCategory: CategorySerializer,
    ProductCatalog: CatalogSerializer,
}


class ProductSerializer(TMFSerializer):
    class Meta:
        tmf_type = "Product"

    def build(self, product: Product) -> dict:
        relationships = (
            [{"relationshipType": "bundled", "product": {"id": str(product.bundle_id), "@referredType": "Product"}}]
            if product.bundle_id
            else []
        )
        return {
            "name": product.offering.name,
            "productSerialNumber": product.service_number or None,
            "status": product.status,
            "isBundle": product.offering.is_bundle,
            "isCustomerVisible": True,
            "startDate": product.start_date.isoformat() if product.start_date else None,
            "terminationDate": product.termination_date.isoformat() if product.termination_date else None,
            "place": [{"role": "installationAddress", "name": product.install_address}]
            if product.install_address
            else [],
            "productOffering": ref(product.offering, "ProductOffering"),
            "productSpecification": ref(product.specification, "ProductSpecification"),
            "billingAccount": {"id": str(product.billing_account_id), "@referredType": "BillingAccount"}
            if product.billing_account_id
            else None,
            "relatedParty": [{"id": str(product.customer_id), "role": "customer", "@referredType": "Customer"}],
            "productCharacteristic": [
                {"name": "productNumber", "valueType": "string", "value": product.product_no},
                *(
                    {"name": c.get("name", ""), "valueType": c.get("valueType", "string"), "value": c.get("value")}
                    for c in product.characteristics or []
                ),
            ],
            "productRelationship": relationships,
        }


# --- Input ----------------------------------------------------------------------------------------------


class RefInput(serializers.Serializer):
    id = serializers.CharField(max_length=32)
    role = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True)


class ValidForInput(serializers.Serializer):
    startDateTime = serializers.DateField(
        required=False, allow_null=True, input_formats=["iso-8601", "%Y-%m-%dT%H:%M:%S%z"]
    )
    endDateTime = serializers.DateField(
        required=False, allow_null=True, input_formats=["iso-8601", "%Y-%m-%dT%H:%M:%S%z"]
    )


class ProductOfferingInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    isBundle = serializers.BooleanField(required=False, default=False)
    lifecycleStatus = serializers.ChoiceField(choices=LifecycleStatus.values, required=False)
    validFor = ValidForInput(required=False)
    productSpecification = RefInput(required=False, allow_null=True)
    bundledProductOffering = RefInput(many=True, required=False)
    category = RefInput(many=True, required=False)
    externalId = serializers.SlugField(max_length=32, required=False)

    def validate(self, attrs):
        if attrs.get("isBundle") and not attrs.get("bundledProductOffering"):
            raise serializers.ValidationError({"bundledProductOffering": "a bundle needs its bundled offerings"})
        if not attrs.get("isBundle") and not attrs.get("productSpecification"):
            raise serializers.ValidationError({"productSpecification": "required for an offering that is not a bundle"})
        return attrs


class ProductOfferingPatch(ProductOfferingInput):
    def to_representation(self, offering):
        return {
            "name": offering.name,
            "description": offering.description,
            "isBundle": offering.is_bundle,
            "lifecycleStatus": offering.lifecycle_status,
            "validFor": valid_for(offering),
            "productSpecification": ref(offering.specification),
            "bundledProductOffering": [ref(o) for o in offering.bundled_offerings.all()],
            "category": [ref(c) for c in offering.categories.all()],
        }


class ProductSpecificationInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    brand = serializers.CharField(max_length=32, required=False, allow_blank=True)
    lifecycleStatus = serializers.ChoiceField(choices=LifecycleStatus.values, required=False)
    productSpecCharacteristic = serializers.ListField(child=serializers.DictField(), required=False)

    def validate_productSpecCharacteristic(self, value):
        by_name = {}
        for item in value:
            values = item.get("productSpecCharacteristicValue") or [{}]
            by_name[str(item.get("name", ""))] = values[0].get("value")
        kind = by_name.pop("kind", None)
        if kind is not None and kind not in ProductSpecification.Kind.values:
            raise serializers.ValidationError(f"kind must be one of {', '.join(ProductSpecification.Kind.values)}")
        grade = by_name.pop("serviceGrade", "") or ""
        return {"kind": kind, "grade": grade, "other": [{"name": k, "value": v} for k, v in by_name.items()]}


class ProductSpecificationPatch(ProductSpecificationInput):
    def to_representation(self, spec):
        full = ProductSpecificationSerializer(spec).build(spec)
        return {k: full[k] for k in ("name", "description", "brand", "lifecycleStatus", "productSpecCharacteristic")}


class ProductOfferingPriceInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    priceType = serializers.ChoiceField(choices=ProductOfferingPrice.PriceType.values)
    recurringChargePeriodType = serializers.CharField(max_length=16, required=False, allow_blank=True, allow_null=True)
    price = serializers.DictField()
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100)
    lifecycleStatus = serializers.ChoiceField(choices=LifecycleStatus.values, required=False)
    productOffering = RefInput()

    def validate_price(self, value):
        try:
            from decimal import Decimal

            amount = Decimal(str(value.get("value")))
        except Exception as exc:
            raise serializers.ValidationError("price.value must be a number") from exc
        if amount < 0:
            raise serializers.ValidationError("price.value must not be negative")
        return amount


class ProductOfferingPricePatch(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    price = serializers.DictField()
    lifecycleStatus = serializers.ChoiceField(choices=LifecycleStatus.values)

    validate_price = ProductOfferingPriceInput.validate_price

    def to_representation(self, price):
        return {
            "name": price.name,
            "price": {"unit": "CNY", "value": float(price.amount)},
            "lifecycleStatus": price.lifecycle_status,
        }


class CategoryInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    parentId = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    lifecycleStatus = serializers.ChoiceField(choices=LifecycleStatus.values, required=False)


class CategoryPatch(CategoryInput):
    def to_representation(self, category):
        return {
            "name": category.name,
            "description": category.description,
            "parentId": str(category.parent_id) if category.parent_id else None,
            "lifecycleStatus": category.lifecycle_status,
        }


class CatalogInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)
    catalogType = serializers.CharField(max_length=32, required=False)
    lifecycleStatus = serializers.ChoiceField(choices=LifecycleStatus.values, required=False)
    validFor = ValidForInput(required=False)
    category = RefInput(many=True, required=False)


class CatalogPatch(CatalogInput):
    def to_representation(self, catalog):
        return {
            "name": catalog.name,
            "description": catalog.description,
            "catalogType": catalog.catalog_type,
            "lifecycleStatus": catalog.lifecycle_status,
            "validFor": valid_for(catalog),
            "category": [ref(c) for c in catalog.categories.all()],
        }


def _own_characteristics(value: list[dict]) -> list[dict]:
    """Characteristics as stored: productNumber is derived from the product, never stored (a client may send back
    what it read)."""
    kept = []
    for item in value:
        if not str(item.get("name", "")).strip():
            raise serializers.ValidationError("every characteristic needs a name")
        if item["name"] != "productNumber":
            kept.append(
                {"name": item["name"], "valueType": item.get("valueType", "string"), "value": item.get("value")}
            )
    return kept


class ProductInput(serializers.Serializer):
    productOffering = RefInput()
    relatedParty = RefInput(many=True)
    status = serializers.ChoiceField(choices=["created", "pendingActive", "active"], required=False, default="created")
    productSerialNumber = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    place = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    billingAccount = RefInput(required=False, allow_null=True)
    startDate = serializers.DateField(required=False, input_formats=["iso-8601", "%Y-%m-%dT%H:%M:%S%z"])
    productCharacteristic = serializers.ListField(child=serializers.DictField(), required=False, default=list)

    def validate_relatedParty(self, value):
        if not [r for r in value if r.get("role", "customer") == "customer"]:
            raise serializers.ValidationError("a relatedParty with role customer is required")
        return value

    def validate_productCharacteristic(self, value):
        return _own_characteristics(value)


class ProductPatch(serializers.Serializer):
    status = serializers.ChoiceField(choices=Product.Status.values)
    productSerialNumber = serializers.CharField(max_length=32, allow_blank=True, allow_null=True)
    place = serializers.ListField(child=serializers.DictField())
    billingAccount = serializers.DictField(allow_null=True)
    productCharacteristic = serializers.ListField(child=serializers.DictField())

    def validate_productCharacteristic(self, value):
        return _own_characteristics(value)

    def to_representation(self, product):
        full = ProductSerializer(product).build(product)
        keys = ("status", "productSerialNumber", "place", "billingAccount")
        out = {k: full[k] for k in keys}
        out["productCharacteristic"] = list(product.characteristics or [])
        return out
