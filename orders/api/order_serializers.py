"""TMF622 productOrder and cancelProductOrder, as the v4 swagger names them."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from crm.api.serializers import TMFSerializer, iso_or_none

from ..models import OrderType, ProductOrder, ProductOrderItem


class ProductOrderSerializer(TMFSerializer):
    class Meta:
        tmf_type = "ProductOrder"

    def build(self, order: ProductOrder) -> dict:
        items = []
        for item in order.items.all():
            entry = {"id": str(item.item_no), "action": item.action, "state": item.state, "quantity": 1}
            if item.offering_id:
                entry["productOffering"] = {"id": str(item.offering_id), "@referredType": "ProductOffering"}
            product = {"@type": "Product"}
            if item.product_id:
                product.update({"id": str(item.product_id), "@referredType": "Product"})
            if item.action == "add" and (order.service_number or item.product_id):
                # the number asked for, or the one allocated to the new line
                product["productSerialNumber"] = order.service_number or item.product.service_number
            if order.address_id:
                product["place"] = [{"role": "installationAddress", "id": str(order.address_id),
                                     "name": order.address.text}]  # fmt: skip
            entry["product"] = product
            items.append(entry)
        parties = [{"id": str(order.customer_id), "role": "customer", "@referredType": "Customer"}]
        if order.new_owner_id:
            parties.append({"id": str(order.new_owner_id), "role": "newOwner", "@referredType": "Customer"})
        notes = [{"text": order.description}] if order.description else []
        if order.cancellation_reason:
            notes.append({"text": order.cancellation_reason, "author": "cancellation"})
        return {
            "externalId": order.order_no,
            "category": order.order_type,
            "description": order.get_order_type_display(),
            "state": order.state,
            "priority": str(order.priority),
            "channel": [{"id": order.channel, "name": order.get_channel_display(), "role": "salesChannel"}]
            + ([{"id": str(order.outlet_id), "name": str(order.outlet), "role": "outlet"}] if order.outlet_id else []),
            "orderDate": iso_or_none(order.submitted_at or order.created_at),
            "requestedStartDate": iso_or_none(order.appointment_at),
            "completionDate": iso_or_none(order.completed_at),
            "cancellationDate": iso_or_none(order.cancelled_at),
            "cancellationReason": order.cancellation_reason or None,
            "billingAccount": {"id": str(order.billing_account_id), "@referredType": "BillingAccount"}
            if order.billing_account_id
            else None,
            "relatedParty": parties,
            "note": notes,
            "orderTotalPrice": [
                {
                    "priceType": "oneTime",
                    "price": {"taxIncludedAmount": {"unit": "CNY", "value": float(order.one_off_fee)}},
                }
            ],
            "productOrderItem": items,
        }


class CancelProductOrderSerializer(TMFSerializer):
    """A cancelProductOrder request, read back from the order it cancelled (id = the order's id): cancelling is
    done at once, so every request that exists is ``done``; a refused one never became a resource (409/422)."""

    class Meta:
        tmf_type = "CancelProductOrder"

    def build(self, order: ProductOrder) -> dict:
        request = self.context.get("request")
        href = request.build_absolute_uri(reverse("tmf622-order-detail", args=[order.pk])) if request else ""
        return {
            "state": "done",
            "cancellationReason": order.cancellation_reason,
            "requestedCancellationDate": iso_or_none(order.cancelled_at),  # cancelled as soon as asked
            "effectiveCancellationDate": iso_or_none(order.cancelled_at),
            "productOrder": {"id": str(order.pk), "href": href, "@referredType": "ProductOrder"},
        }


# --- Input ----------------------------------------------------------------------------------------------


class _Ref(serializers.Serializer):
    id = serializers.CharField(max_length=32)
    role = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class _Characteristic(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    value = serializers.JSONField(required=False, allow_null=True)


class _Note(serializers.Serializer):
    text = serializers.CharField(max_length=500, allow_blank=True)
    author = serializers.CharField(max_length=64, required=False, allow_blank=True)


class _ProductInput(serializers.Serializer):
    id = serializers.CharField(max_length=32, required=False)
    productSerialNumber = serializers.CharField(max_length=32, required=False, allow_blank=True)
    place = _Ref(many=True, required=False)
    productCharacteristic = _Characteristic(many=True, required=False)


class _ItemInput(serializers.Serializer):
    id = serializers.CharField(max_length=16, required=False)
    action = serializers.ChoiceField(choices=ProductOrderItem.Action.values, required=False)
    productOffering = _Ref(required=False)
    product = _ProductInput(required=False)


def note_text(description: str, notes: list[dict]) -> str:
    """The order's free-text notes from TMF ``description`` and ``note[]`` (the cancellation note is ours)."""
    texts = [description.strip()] + [n["text"].strip() for n in notes if n.get("author") != "cancellation"]
    text = "\n".join(t for t in texts if t)
    if len(text) > 500:
        raise serializers.ValidationError({"note": "description and notes together may have at most 500 characters"})
    return text


class ProductOrderInput(serializers.Serializer):
    """POST productOrder: one item per order (a bundle offering orders several products at once)."""

    category = serializers.ChoiceField(choices=OrderType.values)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    note = _Note(many=True, required=False, default=list)
    requestedStartDate = serializers.DateTimeField(required=False, allow_null=True)
    channel = _Ref(many=True, required=False, default=list)
    relatedParty = _Ref(many=True)
    billingAccount = _Ref(required=False, allow_null=True)
    productOrderItem = _ItemInput(many=True)

    def validate_relatedParty(self, value):
        customers = [r for r in value if (r.get("role") or "customer") == "customer"]
        if len(customers) != 1:
            raise serializers.ValidationError("exactly one relatedParty with role customer is required")
        if len([r for r in value if r.get("role") == "newOwner"]) > 1:
            raise serializers.ValidationError("at most one relatedParty with role newOwner")
        return value

    def validate_productOrderItem(self, value):
        if len(value) != 1:
            raise serializers.ValidationError("one productOrderItem per order (order a bundle for several products)")
        return value

    def validate(self, attrs):
        attrs["notes"] = note_text(attrs.get("description", ""), attrs.get("note", []))
        return attrs


class ProductOrderPatch(serializers.Serializer):
    """PATCH productOrder: the notes (``note`` or ``description``) and, while the order is open, the appointment
    (``requestedStartDate``). The state is not patched: cancel with POST cancelProductOrder."""

    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    note = _Note(many=True, required=False, default=list)
    requestedStartDate = serializers.DateTimeField(required=False, allow_null=True, default=None)
    state = serializers.CharField(max_length=24, required=False)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(unknown, "cannot be changed with PATCH"))
        return attrs

    def to_representation(self, order):
        return {
            "description": order.description,
            "note": [{"text": order.description}] if order.description else [],
            "requestedStartDate": iso_or_none(order.appointment_at),
            "state": order.state,
        }


class CancelProductOrderInput(serializers.Serializer):
    productOrder = _Ref()
    cancellationReason = serializers.CharField(max_length=255)
    requestedCancellationDate = serializers.DateTimeField(required=False, allow_null=True)
