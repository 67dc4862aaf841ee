"""TMF622 productOrder and cancelProductOrder.

The TMF body becomes an OrderRequest and goes through the same intake services as the counter: the same
eligibility checks, fees, port reservation and decomposition into a work order. Status codes: bad input (an
unknown category, offering, address or customer, one the caller may not see) is 400; an ineligible order is 422
with the reason of every failed check; a service number in use, or an order whose state no longer allows the
action (cancelling a completed order, moving a closed order's appointment), is 409.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.accounts.models import OrgUnit
from crm.accounts.selectors import org_units_visible_to, visibility_scope
from crm.api.exceptions import Unprocessable, business_refusals
from crm.api.views import TMFMergePatchMixin, TMFReadOnlyViewSet
from customers.models import BillingAccount
from customers.selectors import customers_visible_to

from ..eligibility import OrderRequest
from ..models import ProductOffering, ProductOrder, SalesChannel, StandardAddress
from ..selectors.catalog import product_inventory_visible_to
from ..selectors.ordering import orders_visible_to
from ..selectors.ordering_api import cancelled_orders_for_api, product_orders_for_api
from ..services import ServiceNumberTaken
from ..services.intake import (
    ITEM_ACTIONS,
    ORDERING_API,
    OrderRefused,
    OrderStateError,
    order_amend,
    order_cancel,
    order_submit,
)
from ..services.resources import NoFreePort
from . import order_serializers as s

IDEMPOTENCY_KEY_MAX = 64
OUTLET_KINDS = (OrgUnit.Kind.OWN_HALL, OrgUnit.Kind.PARTNER_HALL, OrgUnit.Kind.AGENT_OUTLET)
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retrying with the same key returns the order the first request made (201) and makes no other.",
)


@contextmanager
def ordering_errors():
    """What the ordering services refuse, as TMF errors (see the module docstring)."""
    try:
        with business_refusals(conflicts=(ServiceNumberTaken, OrderStateError)):
            yield
    except OrderRefused as exc:
        raise Unprocessable("; ".join(c.reason for c in exc.checks), code="ineligible") from exc
    except NoFreePort as exc:
        raise Unprocessable(str(exc), code="noFreePort") from exc


def _found(queryset, ref: dict | None, field: str, label: str):
    """The object a TMF reference names, within what the caller may use; a 400 naming the field if none."""
    if not ref:
        return None
    raw = str(ref.get("id", "")).strip()
    found = queryset.filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        raise ValidationError({field: f"{label} {raw} not found"})
    return found


def _installation_place(places: list[dict]) -> dict | None:
    return next((p for p in places if (p.get("role") or "installationAddress") == "installationAddress"), None)


# A write of the API only, kept next to it until orders.services grows an amend service of its own.
class ProductOrderViewSet(TMFMergePatchMixin, mixins.CreateModelMixin, TMFReadOnlyViewSet):
    """Product orders of the customers the caller may see; created through order intake, one item each."""

    read_scope, write_scope = ORDERING_API.read_scope, ORDERING_API.write_scope
    serializer_class = s.ProductOrderSerializer
    patch_serializer_class = s.ProductOrderPatch
    tmf_filters = {
        "id": ("id", int),
        "externalId": "order_no",
        "state": "state",
        "category": "order_type",
        "relatedParty.id": ("customer_id", int),
        "billingAccount.id": ("billing_account_id", int),
        "channel.id": "channel",
        "orderDate": ("created_at", "datetime"),
        "requestedStartDate": ("appointment_at", "datetime"),
        "completionDate": ("completed_at", "datetime"),
    }

    def get_queryset(self):
        return product_orders_for_api(self.request.user).order_by("id")

    @extend_schema(
        request=s.ProductOrderInput, responses={201: s.ProductOrderSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    def create(self, request, *args, **kwargs):
        data = s.ProductOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        order_request = self._order_request(data.validated_data, key=self._idempotency_key())
        with ordering_errors():
            order = order_submit(request=order_request, actor=request.user)
        # A retry answers like the first request did: the client may not have seen that answer.
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data, status=status.HTTP_201_CREATED)

    def _idempotency_key(self) -> str:
        key = self.request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
            raise ValidationError({"Idempotency-Key": f"at most {IDEMPOTENCY_KEY_MAX} printable characters"})
        return f"api:{self.request.user.pk}:{key}" if key else ""

    def _order_request(self, v: dict, *, key: str) -> OrderRequest:
        user = self.request.user
        visible_customers = customers_visible_to(user).select_related("party", "region")
        parties = v["relatedParty"]
        customer_ref = next(r for r in parties if (r.get("role") or "customer") == "customer")
        customer = _found(visible_customers, customer_ref, "relatedParty", "customer")
        new_owner = _found(
            visible_customers,
            next((r for r in parties if r.get("role") == "newOwner"), None),
            "relatedParty",
            "customer",
        )
        item = v["productOrderItem"][0]
        expected = ITEM_ACTIONS.get(v["category"], "modify")
        if item.get("action", expected) != expected:
            raise ValidationError({"productOrderItem.action": f"the item of a {v['category']} order is {expected}"})
        product_in = item.get("product") or {}
        offering = _found(
            ProductOffering.objects.select_related("specification"),
            item.get("productOffering"),
            "productOrderItem.productOffering",
            "productOffering",
        )
        product = _found(
            product_inventory_visible_to(user).select_related("specification"),
            product_in if product_in.get("id") else None,
            "productOrderItem.product",
            "product",
        )
        addresses = visibility_scope(user).filter(
            StandardAddress.objects.select_related("access_point"), grid_lookup=None
        )
        address = _found(
            addresses, _installation_place(product_in.get("place", [])), "productOrderItem.product.place", "place"
        )
        account = v.get("billingAccount")
        billing_account = (
            _found(BillingAccount.objects.filter(customer=customer), account, "billingAccount", "billingAccount")
            if account
            else None
        )
        characteristics = {c["name"]: c.get("value") for c in product_in.get("productCharacteristic", [])}
        channel, outlet_id = self._channel(v["channel"])
        return OrderRequest(
            order_type=v["category"],
            customer=customer,
            offering=offering,
            product=product,
            address=address,
            new_owner=new_owner,
            billing_account=billing_account,
            service_number=product_in.get("productSerialNumber", ""),
            presented_id=str(characteristics.get("ownerIdNumber") or ""),
            channel=channel,
            outlet_id=outlet_id,
            description=v["notes"],
            appointment_at=v.get("requestedStartDate"),
            idempotency_key=key,
        )

    def _channel(self, refs: list[dict]) -> tuple[str, int | None]:
        """The sales channel (``api`` unless named) and the outlet (a channel entry with role ``outlet``)."""
        channel, outlet_id = SalesChannel.API, None
        for ref in refs:
            if ref.get("role") == "outlet":
                outlets = org_units_visible_to(self.request.user).filter(kind__in=OUTLET_KINDS, is_active=True)
                outlet_id = _found(outlets, ref, "channel", "outlet").pk
            elif ref["id"] in SalesChannel.values:
                channel = ref["id"]
            else:
                raise ValidationError({"channel": f"{ref['id']} is not one of {', '.join(SalesChannel.values)}"})
        return channel, outlet_id

    @extend_schema(request=s.ProductOrderPatch, responses={200: s.ProductOrderSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def perform_patch(self, instance, validated_data):
        sent = self.request.data if isinstance(self.request.data, dict) else {}
        if validated_data.get("state", instance.state) != instance.state:
            message = (
                "An order is cancelled with POST cancelProductOrder, not with PATCH."
                if validated_data["state"] == ProductOrder.State.CANCELLED
                else "The state of an order follows its work; it cannot be set with PATCH."
            )
            raise Unprocessable(message, code="stateNotPatchable")
        notes = instance.description
        if "note" in sent:
            notes = s.note_text("", validated_data.get("note", []))
        elif "description" in sent:
            notes = s.note_text(validated_data.get("description", ""), [])
        appointment = (
            validated_data.get("requestedStartDate") if "requestedStartDate" in sent else instance.appointment_at
        )
        with ordering_errors():
            order_amend(order=instance, actor=self.request.user, notes=notes, appointment_at=appointment)
        return self.get_queryset().get(pk=instance.pk)


class CancelProductOrderViewSet(mixins.CreateModelMixin, TMFReadOnlyViewSet):
    """A cancelProductOrder is represented by the order it cancelled: its id is the order's id."""

    read_scope, write_scope = ORDERING_API.read_scope, ORDERING_API.write_scope
    serializer_class = s.CancelProductOrderSerializer
    tmf_filters = {
        "id": ("id", int),
        "productOrder.id": ("id", int),
        "effectiveCancellationDate": ("cancelled_at", "datetime"),
    }

    def get_queryset(self):
        return cancelled_orders_for_api(self.request.user).order_by("id")

    @extend_schema(request=s.CancelProductOrderInput, responses={201: s.CancelProductOrderSerializer})
    def create(self, request, *args, **kwargs):
        data = s.CancelProductOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        order = _found(orders_visible_to(request.user), v["productOrder"], "productOrder", "productOrder")
        requested = v.get("requestedCancellationDate")
        if requested and requested > timezone.now() + datetime.timedelta(minutes=5):
            raise Unprocessable("An order is cancelled at once; a cancellation cannot be scheduled.")
        with ordering_errors():
            order_cancel(order=order, actor=request.user, reason=v["cancellationReason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data, status=status.HTTP_201_CREATED)
