"""TMF622 productOrder and cancelProductOrder, as the v4 swagger names them."""

from __future__ import annotations

from crm.api.serializers import TMFSerializer

from ..models import ProductOrder


def _dt(value) -> str | None:
    return value.isoformat() if value else None


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
            if order.service_number and item.action == "add":
                product["productSerialNumber"] = order.service_number
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
            "orderDate": _dt(order.submitted_at or order.created_at),
            "requestedStartDate": _dt(order.appointment_at),
            "completionDate": _dt(order.completed_at),
            "cancellationDate": _dt(order.cancelled_at),
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
