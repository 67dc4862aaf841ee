"""Order intake in any channel (业务受理): check, price, reserve, create the order and its subscription changes,
then hand it to the back office — or hold it for a second staff member's check (双人复核) first."""

from __future__ import annotations

import base64
import binascii
import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.api.registry import register_api
from crm.api.services import event_publish
from crm.audit.services import audit_record
from crm.sequences import insert_numbered
from customers.services import interaction_record

from ..eligibility import OrderRequest, blocking, kinds_of, needs_install, order_checks
from ..models import (
    OPEN_ORDER_STATES,
    OrderType,
    Product,
    ProductOffering,
    ProductOfferingPrice,
    ProductOrder,
    ProductOrderItem,
    SalesChannel,
    WorkOrder,
)
from . import notify, numbers
from .inventory import product_create, product_status_change
from .resources import port_reserve, ports_release

ORDERING_API = register_api(
    "productOrderingManagement", title="TMF622 Product Ordering", read_scope="order:read", write_scope="order:write"
)
SIGNATURE_PREFIX = "data:image/png;base64,"
MAX_SIGNATURE_BYTES = 200_000
# Order types whose subscription change cannot wait for the back office: the number is held at once.
CREATING_TYPES = {OrderType.NEW, OrderType.PORT_IN}
ITEM_ACTIONS = {
    OrderType.NEW: "add", OrderType.PORT_IN: "add", OrderType.VAS_ADD: "add", OrderType.TERMINATE: "delete",
    OrderType.VAS_REMOVE: "delete", OrderType.PORT_OUT: "delete",
}  # fmt: skip


class OrderRefused(Exception):
    """The order fails eligibility checks; ``checks`` says which and why."""

    def __init__(self, checks: list):
        self.checks = checks
        super().__init__("; ".join(c.reason for c in checks))


class OrderStateError(Exception):
    """The order is not in a state that allows this action."""


def _order_event(order: ProductOrder, change: str) -> None:
    from ..api.order_serializers import ProductOrderSerializer

    event_publish(
        api_name=ORDERING_API.name,
        event_type=f"ProductOrder{change}Event",
        resource_name="productOrder",
        resource=ProductOrderSerializer(order).data,
    )


def one_off_fee(offering: ProductOffering | None) -> Decimal:
    """One-off fees of an offering at the counter (installation, SIM…): its own and, for a bundle, its components'."""
    if offering is None:
        return Decimal(0)
    offerings = (
        [offering.pk, *offering.bundled_offerings.values_list("pk", flat=True)] if offering.is_bundle else [offering.pk]
    )
    total = ProductOfferingPrice.objects.filter(
        offering_id__in=offerings,
        price_type=ProductOfferingPrice.PriceType.ONE_TIME,
        lifecycle_status__in=("Active", "Launched"),
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def sensitive_reasons(request: OrderRequest, *, override: bool) -> list[str]:
    """Why the order needs a second staff member's check (双人复核), if it does."""
    reasons = []
    if request.order_type == OrderType.TRANSFER:
        reasons.append("ownership_transfer")
    if request.order_type == OrderType.TERMINATE and request.customer.customer_class == "key_account":
        reasons.append("key_account_termination")
    if override:
        reasons.append("arrears_override")
    return reasons


def order_submit(*, request: OrderRequest, actor, override_arrears: bool = False) -> ProductOrder:
    """Take an order: the same checks, pricing and decomposition whichever channel it comes from.

    Submitting twice with the same idempotency key returns the first order and changes nothing."""
    key = request.idempotency_key.strip()
    if key:
        existing = ProductOrder.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    try:
        return _order_submit(request=request, actor=actor, override_arrears=override_arrears, key=key)
    except IntegrityError as exc:
        if key and "order_unique_idempotency_key" in str(exc):  # the same order submitted concurrently
            return ProductOrder.objects.get(idempotency_key=key)
        raise


@transaction.atomic
def _order_submit(*, request: OrderRequest, actor, override_arrears: bool, key: str) -> ProductOrder:
    checks = order_checks(request)
    override = override_arrears and any(c.code == "arrears" and not c.ok for c in checks)
    if override:
        if actor is None or not actor.has_perm("accounts.override_arrears"):
            raise OrderRefused([c for c in checks if c.code == "arrears"])
        if not request.override_reason.strip():
            raise OrderRefused([c for c in checks if c.code == "arrears"])
    refused = blocking(checks, override_arrears=override)
    if refused:
        raise OrderRefused(refused)
    customer = request.customer
    fee = (
        one_off_fee(request.offering)
        if request.order_type in CREATING_TYPES | {OrderType.CHANGE, OrderType.MOVE}
        else 0
    )
    counter = (SalesChannel.OWN_HALL, SalesChannel.PARTNER_HALL, SalesChannel.AGENT_OUTLET)
    paid = request.payment_method in {m for m, _l in ProductOrder.PaymentMethod.choices if m}
    if fee and request.channel in counter and not paid:
        raise OrderRefused([_check("payment", _("Take the one-off fee of %(fee)s yuan first.") % {"fee": fee})])
    address = request.address
    place = address or customer
    billing_account = request.billing_account or customer.accounts.order_by("pk").first()
    # A new line is created before the order so the order is saved with it (not saved, re-read and saved again).
    product = _new_subscription(request, billing_account) if request.order_type in CREATING_TYPES else request.product
    order = ProductOrder(
        order_type=request.order_type,
        customer=customer,
        billing_account=billing_account,
        product=product,
        offering=request.offering,
        new_owner=request.new_owner,
        service_number=request.service_number.strip(),
        address=address,
        channel=request.channel,
        outlet_id=request.outlet_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        idempotency_key=key,
        region_id=place.region_id,
        area_id=place.area_id,
        grid_id=place.grid_id,
        description=request.description[:500],
        appointment_at=request.appointment_at,
        eligibility=[c.as_dict() for c in checks],
        arrears_override=override,
        override_reason=request.override_reason.strip() if override else "",
        sensitive_reasons=sensitive_reasons(request, override=override),
        one_off_fee=fee,
        paid_amount=fee if request.payment_method else 0,
        payment_method=request.payment_method if fee else "",
        paid_at=timezone.now() if fee and request.payment_method else None,
        submitted_at=timezone.now(),
    )
    insert_numbered(order, "order_no", lambda pk: f"D{timezone.localdate():%Y%m%d}{pk:08d}")
    action = ITEM_ACTIONS.get(request.order_type, "modify")
    ProductOrderItem.objects.create(order=order, item_no=1, action=action, offering=request.offering, product=product)
    if needs_install(request):
        port_reserve(order=order, address=address)
    if override:
        audit_record(action="update", obj=order, changes={"arrears_override": [False, True],
                     "override_reason": ["", order.override_reason]})  # fmt: skip
    interaction_record(
        customer=customer,
        channel=_interaction_channel(order.channel),
        interaction_type="order",
        reason=order.get_order_type_display(),
        description=_("Order %(order)s taken.") % {"order": order.order_no},
        staff=order.created_by,
        related_entities=[{"@referredType": "ProductOrder", "id": order.order_no}],
    )
    prefetch_related_objects([order], Prefetch("items", ProductOrderItem.objects.select_related("product")))
    _order_event(order, "Create")
    if order.sensitive_reasons:
        return order
    return order_start(order=order)


def _check(code: str, reason: str):
    from ..eligibility import Check

    return Check(code, False, reason)


def _interaction_channel(channel: str) -> str:
    return {"hotline": "hotline", "portal": "portal", "api": "system"}.get(channel, "hall")


def _new_subscription(request: OrderRequest, billing_account) -> Product:
    """The subscriptions a new line order creates, in pendingActive (a bundle with its components)."""
    offering, customer = request.offering, request.customer
    address_text = request.address.text if request.address else ""
    status = Product.Status.PENDING_ACTIVE
    if not offering.is_bundle:
        kind = offering.specification.kind
        number = request.service_number.strip() or numbers.number_allocate(kind=kind, region=customer.region)
        return product_create(customer=customer, offering=offering, service_number=number, status=status,
                              billing_account=billing_account, install_address=address_text)  # fmt: skip
    bundle = product_create(customer=customer, offering=offering, status=status, billing_account=billing_account)
    given = request.service_number.strip()
    for component in offering.bundled_offerings.select_related("specification").order_by("code"):
        kind = component.specification.kind
        number = given if (kind == "mobile" and given) else numbers.number_allocate(kind=kind, region=customer.region)
        given = "" if kind == "mobile" else given
        product_create(customer=customer, offering=component, service_number=number, status=status, bundle=bundle,
                       billing_account=billing_account, install_address=address_text)  # fmt: skip
    return bundle


@transaction.atomic
def order_start(*, order: ProductOrder) -> ProductOrder:
    """Hand the order to the back office: decompose it into a work order and run its automatic steps."""
    from .work import work_order_create

    # Locks the order row only; the rows joined are what the event, the SMS and the decomposition read.
    order = (
        ProductOrder.objects.select_for_update(of=("self",))
        .select_related("customer", "address", "area", "outlet", "offering__specification")
        .get(pk=order.pk)
    )
    if order.state != ProductOrder.State.ACKNOWLEDGED:
        raise OrderStateError(_("Order %(order)s has already started.") % {"order": order.order_no})
    order.state = ProductOrder.State.IN_PROGRESS
    order.save(update_fields=["state", "updated_at"])
    order.items.update(state=ProductOrder.State.IN_PROGRESS)
    prefetch_related_objects([order], Prefetch("items", ProductOrderItem.objects.select_related("product")))
    _order_event(order, "StateChange")
    notify.order_status(order)
    work_order_create(order=order)
    order.refresh_from_db()
    return order


@transaction.atomic
def order_second_check(*, order: ProductOrder, checker, approve: bool, note: str = "") -> ProductOrder:
    """A second staff member approves (the order starts) or refuses (it is cancelled) a sensitive order."""
    order = ProductOrder.objects.select_for_update().get(pk=order.pk)
    if not order.awaiting_second_check:
        raise OrderStateError(_("Order %(order)s is not waiting for a second check.") % {"order": order.order_no})
    if not checker.has_perm("accounts.approve_sensitive"):
        raise PermissionError(_("You may not approve sensitive operations."))
    if checker.pk == order.created_by_id:
        raise OrderStateError(_("The second check must be made by another staff member."))
    order.second_checker, order.second_checked_at = checker, timezone.now()
    order.save(update_fields=["second_checker", "second_checked_at", "updated_at"])
    audit_record(action="update", obj=order, changes={"second_check": [None, "approved" if approve else "refused"],
                 "second_checker": [None, checker.get_username()], "note": [None, note]})  # fmt: skip
    if approve:
        return order_start(order=order)
    return order_cancel(order=order, actor=checker, reason=_("Refused at the second check: %(note)s") % {"note": note})


# Once one of these steps has run, the subscription has changed and the order can no longer be cancelled.
IRREVERSIBLE_STEPS = {
    "activation", "config_change", "address_change", "ownership_transfer", "network_suspend", "network_resume",
    "network_deactivate", "vas_activate", "vas_deactivate", "terminate_product", "auth_code_release",
}  # fmt: skip


@transaction.atomic
def order_cancel(*, order: ProductOrder, actor, reason: str) -> ProductOrder:
    """Cancel an open order (TMF622 cancelProductOrder): work stops, the port is given back, a new line is dropped."""
    from ..models import WorkOrder, WorkOrderStep

    order = ProductOrder.objects.select_for_update().get(pk=order.pk)
    if order.state not in OPEN_ORDER_STATES:
        raise OrderStateError(_("A %(state)s order cannot be cancelled.") % {"state": order.get_state_display()})
    if not reason.strip():
        raise ValueError(_("Give the reason for cancelling."))
    done = WorkOrderStep.objects.filter(
        work_order__order=order, state=WorkOrderStep.State.COMPLETED, code__in=IRREVERSIBLE_STEPS
    )
    if done.exists():
        raise OrderStateError(_("The subscription has already been changed; take a new order to undo it."))
    for work_order in WorkOrder.objects.select_for_update().filter(order=order).exclude(state="completed"):
        from crm.sla.services import sla_stop

        work_order.state = WorkOrder.State.CANCELLED
        sla_stop(obj=work_order, when=timezone.now())
        work_order.version += 1  # optimistic locking: a dispatcher's form opened before the cancel is refused
        work_order.save()
        work_order.steps.filter(state__in=["waiting", "open"]).update(state=WorkOrderStep.State.CANCELLED)
    ports_release(order=order)
    if order.order_type in CREATING_TYPES and order.product_id:
        for product in [order.product, *order.product.components.all()]:
            if product.status != Product.Status.TERMINATED:
                product_status_change(product=product, status=Product.Status.TERMINATED, actor=actor)
    order.state, order.cancelled_at = ProductOrder.State.CANCELLED, timezone.now()
    order.cancellation_reason = reason.strip()[:255]
    order.save(update_fields=["state", "cancelled_at", "cancellation_reason", "updated_at"])
    order.items.update(state=ProductOrder.State.CANCELLED)
    audit_record(action="update", obj=order, changes={"state": ["open", "cancelled"], "reason": [None, reason]})
    _order_event(order, "StateChange")
    notify.order_status(order)
    return order


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@transaction.atomic
def order_amend(*, order: ProductOrder, actor, notes: str, appointment_at: datetime.datetime | None) -> ProductOrder:
    """Change an order's notes and, while it is open, its appointment (its unfinished work orders follow)."""
    order = ProductOrder.objects.select_for_update().get(pk=order.pk)
    changes: dict[str, list] = {}
    if notes != order.description:
        changes["description"] = [order.description, notes]
    if appointment_at != order.appointment_at:
        if not order.is_open:
            raise OrderStateError(
                _("The appointment of a %(state)s order cannot change.") % {"state": order.get_state_display()}
            )
        changes["appointment_at"] = [_iso(order.appointment_at), _iso(appointment_at)]
        WorkOrder.objects.filter(order=order).exclude(
            state__in=[WorkOrder.State.COMPLETED, WorkOrder.State.CANCELLED]
        ).update(appointment_at=appointment_at)
    if not changes:
        return order
    order.description, order.appointment_at = notes, appointment_at
    order.save(update_fields=["description", "appointment_at", "updated_at"])
    audit_record(action="update", obj=order, changes=changes, actor=actor)
    _order_event(order, "AttributeValueChange")
    return order


@transaction.atomic
def order_sign(*, order: ProductOrder, signature: str) -> ProductOrder:
    """Keep the customer's on-screen signature of the order confirmation (a PNG drawn on the page)."""
    if not signature.startswith(SIGNATURE_PREFIX):
        raise ValueError(_("The signature is not a picture."))
    try:
        raw = base64.b64decode(signature[len(SIGNATURE_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError(_("The signature is not a picture.")) from exc
    if not raw.startswith(b"\x89PNG") or len(raw) > MAX_SIGNATURE_BYTES:
        raise ValueError(_("The signature is not a picture."))
    order = ProductOrder.objects.select_for_update().get(pk=order.pk)
    if order.signed_at:
        raise OrderStateError(_("The customer has already signed this order."))
    order.signature, order.signed_at = signature, timezone.now()
    order.save(update_fields=["signature", "signed_at", "updated_at"])
    return order


def order_complete_if_done(*, order: ProductOrder) -> ProductOrder:
    """Complete the order when all its work orders are complete; commission the outlet; tell the customer."""
    from ..models import WorkOrder
    from .commission import commission_record

    order = ProductOrder.objects.select_for_update().get(pk=order.pk)
    if order.state not in OPEN_ORDER_STATES:
        return order
    if WorkOrder.objects.filter(order=order).exclude(state__in=["completed", "cancelled"]).exists():
        return order
    order.state, order.completed_at = ProductOrder.State.COMPLETED, timezone.now()
    order.save(update_fields=["state", "completed_at", "updated_at"])
    order.items.update(state=ProductOrder.State.COMPLETED)
    commission_record(order=order)
    _order_event(order, "StateChange")
    notify.order_status(order)
    return order


def order_state_set(*, order: ProductOrder, state: str) -> None:
    """Follow the work order: waiting on the customer is ``pending``; back to work is ``inProgress``."""
    updated = (
        ProductOrder.objects.filter(pk=order.pk, state__in=OPEN_ORDER_STATES)
        .exclude(state=state)
        .update(state=state, updated_at=timezone.now())
    )
    if updated:
        order.refresh_from_db()
        order.items.update(state=state)
        _order_event(order, "StateChange")


def kinds_of_order(order: ProductOrder) -> set[str]:
    if order.offering_id:
        return kinds_of(order.offering)
    if order.product_id and order.product.specification_id:
        return {order.product.specification.kind}
    return set()
