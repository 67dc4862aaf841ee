"""Eligibility checks before an order is submitted (受理校验), each with a reason the clerk can read out.

Thresholds come from data (OrderingPolicy, CreditLineLimit, BlacklistEntry); this module only applies them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers.models import BillingAccount, BlacklistEntry, Customer

from .models import (
    OPEN_ORDER_STATES,
    SELLABLE_STATUSES,
    CreditLineLimit,
    OrderingPolicy,
    OrderType,
    Product,
    ProductOffering,
    ProductOrder,
    StandardAddress,
)

# Order types that add a service (and so are blocked by arrears, credit and the blacklist).
ADDING_TYPES = {OrderType.NEW, OrderType.PORT_IN, OrderType.VAS_ADD, OrderType.CHANGE}
# Order types that act on an existing subscription, and the states it must be in.
PRODUCT_STATES_FOR = {
    OrderType.CHANGE: {"active"},
    OrderType.MOVE: {"active", "suspended"},
    OrderType.TRANSFER: {"active", "suspended"},
    OrderType.SUSPEND: {"active"},
    OrderType.RESUME: {"suspended"},
    OrderType.TERMINATE: {"active", "suspended"},
    OrderType.VAS_ADD: {"active"},
    OrderType.VAS_REMOVE: {"active", "suspended"},
    OrderType.PORT_OUT: {"active", "suspended"},
}
# Only the owner, proven by the ID card, may give a subscription away or end it.
OWNER_ID_TYPES = {OrderType.TRANSFER, OrderType.TERMINATE, OrderType.PORT_OUT}
MOBILE_NUMBER_RE = re.compile(r"^1[3-9]\d{9}$")
INSTALL_KINDS = {"broadband", "fixed_line", "iptv", "dia"}
LINE_KINDS = {"mobile", "fixed_line", "broadband", "iptv", "dia"}


@dataclass
class OrderRequest:
    """What the clerk (or an API client) asks for, before it becomes an order."""

    order_type: str
    customer: Customer
    offering: ProductOffering | None = None
    product: Product | None = None
    address: StandardAddress | None = None
    new_owner: Customer | None = None
    billing_account: BillingAccount | None = None
    service_number: str = ""
    presented_id: str = ""
    channel: str = "own_hall"
    outlet_id: int | None = None
    description: str = ""
    appointment_at: datetime.datetime | None = None
    payment_method: str = ""
    idempotency_key: str = ""
    override_reason: str = ""
    extra: dict = field(default_factory=dict)


# What a passed check says on the clerk's screen.
PASSED = {
    "blacklist": _lazy("Not on the blacklist"),
    "arrears": _lazy("No arrears that block new services"),
    "credit_lines": _lazy("Within the lines the credit rating allows"),
    "offering": _lazy("The offering can be sold to this customer"),
    "product": _lazy("The subscription can take this order"),
    "open_order": _lazy("No other open order on the subscription"),
    "owner_id": _lazy("The ID card is the owner's"),
    "address": _lazy("The address is covered and a port is free"),
    "port_in_number": _lazy("The number can be ported in"),
}


@dataclass
class Check:
    code: str
    ok: bool
    reason: str = ""
    overridable: bool = False

    def __post_init__(self) -> None:
        if self.ok and not self.reason:
            self.reason = str(PASSED.get(self.code, self.code))

    def as_dict(self) -> dict:
        return asdict(self)


def kinds_of(offering: ProductOffering | None) -> set[str]:
    """The product kinds an offering brings: its specification's, or its components' for a bundle."""
    if offering is None:
        return set()
    if offering.is_bundle:
        return {o.specification.kind for o in offering.bundled_offerings.select_related("specification")}
    return {offering.specification.kind}


def needs_install(request: OrderRequest) -> bool:
    if request.order_type == OrderType.MOVE:
        return True
    return request.order_type == OrderType.NEW and bool(kinds_of(request.offering) & INSTALL_KINDS)


def policy_for(region_id: int | None) -> OrderingPolicy:
    policy = OrderingPolicy.objects.filter(Q(region_id=region_id) | Q(region__isnull=True)).order_by("region_id")
    return policy.first() or OrderingPolicy(arrears_block_yuan=Decimal(50))


def max_lines_for(rating: int | None) -> int | None:
    """Live lines allowed by the credit rating band; None when no band applies (unrated or no table)."""
    if rating is None:
        return None
    band = CreditLineLimit.objects.filter(min_rating__lte=rating).order_by("-min_rating").first()
    return band.max_lines if band else None


def open_arrears(customer: Customer) -> Decimal:
    total = BillingAccount.objects.filter(customer=customer).aggregate(total=Sum("arrears_amount"))["total"]
    return total or Decimal(0)


def _identifier(customer: Customer) -> str:
    party = customer.party
    return (party.id_number or party.credit_code or "").upper()


def _blacklisted(customer: Customer) -> BlacklistEntry | None:
    identifier = _identifier(customer)
    if not identifier:
        return None
    today = timezone.localdate()
    return (
        BlacklistEntry.objects.filter(identifier__iexact=identifier)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .first()
    )


def order_checks(request: OrderRequest) -> list[Check]:
    """Every check that applies to the request, passed or failed, in the order a clerk would read them."""
    checks: list[Check] = []
    customer, order_type = request.customer, request.order_type
    adding = order_type in ADDING_TYPES

    if customer.status == Customer.Status.CHURNED and order_type not in {OrderType.NEW, OrderType.PORT_IN}:
        checks.append(Check("customer_status", False, _("The customer has left; only a new service can be taken.")))
    if adding or order_type == OrderType.TRANSFER:
        for who, label in ((customer, _("The customer")), (request.new_owner, _("The new owner"))):
            if who is None:
                continue
            entry = _blacklisted(who)
            if entry or who.fraud_flag:
                reason = entry.get_reason_display() if entry else _("Fraud flag")
                checks.append(Check("blacklist", False, _("%(who)s is on the blacklist: %(reason)s.")
                                    % {"who": label, "reason": reason}))  # fmt: skip
            else:
                checks.append(Check("blacklist", True))
    if adding:
        arrears, policy = open_arrears(customer), policy_for(customer.region_id)
        if arrears > policy.arrears_block_yuan:
            checks.append(Check(
                "arrears", False,
                _("Open arrears of %(arrears)s yuan exceed the %(limit)s yuan that block new services; "
                  "the customer pays first, or a supervisor overrides.") % {"arrears": arrears,
                                                                            "limit": policy.arrears_block_yuan},
                overridable=True,
            ))  # fmt: skip
        else:
            checks.append(Check("arrears", True))
    if order_type in {OrderType.NEW, OrderType.PORT_IN} and customer.customer_class == Customer.CustomerClass.PUBLIC:
        limit = max_lines_for(customer.credit_rating)
        if limit is not None:
            live = (
                Product.objects.filter(customer=customer, bundle__isnull=True, specification__kind__in=LINE_KINDS)
                .exclude(status=Product.Status.TERMINATED)
                .count()
            )
            adding_lines = 1
            if live + adding_lines > limit:
                checks.append(Check("credit_lines", False,
                    _("Credit rating %(rating)s allows %(limit)s live lines; the customer has %(live)s.")
                    % {"rating": customer.credit_rating, "limit": limit, "live": live}))  # fmt: skip
            else:
                checks.append(Check("credit_lines", True))
    checks.extend(_offering_checks(request))
    checks.extend(_product_checks(request))
    if order_type in OWNER_ID_TYPES:
        presented = request.presented_id.strip().upper()
        owner = _identifier(customer)
        if not presented:
            checks.append(Check("owner_id", False, _("Enter the number on the owner's ID card.")))
        elif presented != owner:
            checks.append(Check("owner_id", False, _("The ID card presented is not the owner's.")))
        else:
            checks.append(Check("owner_id", True))
    if order_type == OrderType.TRANSFER:
        if request.new_owner is None:
            checks.append(Check("new_owner", False, _("Choose the new owner.")))
        elif request.new_owner.pk == customer.pk:
            checks.append(Check("new_owner", False, _("The new owner is the current owner.")))
    if order_type == OrderType.PORT_IN:
        number = request.service_number.strip()
        if not MOBILE_NUMBER_RE.match(number):
            checks.append(Check("port_in_number", False, _("Enter the 11-digit mobile number being ported in.")))
        elif Product.objects.filter(service_number=number).exclude(status=Product.Status.TERMINATED).exists():
            checks.append(
                Check("port_in_number", False, _("%(number)s is already on our network.") % {"number": number})
            )
        else:
            checks.append(Check("port_in_number", True))
    if order_type == OrderType.PORT_OUT and request.product is not None and request.product.start_date:
        months = policy_for(customer.region_id).port_out_min_months
        held = (timezone.localdate() - request.product.start_date).days // 30
        if months and held < months:
            checks.append(Check("port_out_tenure", False, _("The number can be ported out after %(months)s months on "
                                "the network (it has %(held)s).") % {"months": months, "held": held}))  # fmt: skip
    if request.billing_account is not None and request.billing_account.customer_id != customer.pk:
        checks.append(Check("billing_account", False, _("The billing account belongs to another customer.")))
    if needs_install(request):
        checks.append(_address_check(request))
    return checks


def _offering_checks(request: OrderRequest) -> list[Check]:
    order_type, offering = request.order_type, request.offering
    if order_type not in {OrderType.NEW, OrderType.PORT_IN, OrderType.CHANGE, OrderType.VAS_ADD}:
        return []
    if offering is None:
        return [Check("offering", False, _("Choose an offering."))]
    if offering.lifecycle_status not in SELLABLE_STATUSES:
        return [Check("offering", False, _("%(offering)s is not on sale.") % {"offering": offering})]
    if offering.customer_classes and request.customer.customer_class not in offering.customer_classes:
        return [Check("offering", False, _("%(offering)s is not sold to this class of customer.")
                      % {"offering": offering})]  # fmt: skip
    kinds = kinds_of(offering)
    if order_type == OrderType.VAS_ADD and kinds != {"vas"}:
        return [Check("offering", False, _("%(offering)s is not a value-added service.") % {"offering": offering})]
    if order_type in {OrderType.NEW, OrderType.CHANGE} and kinds == {"vas"}:
        return [Check("offering", False, _("Value-added services are subscribed on an existing line."))]
    if order_type == OrderType.PORT_IN and "mobile" not in kinds:
        return [Check("offering", False, _("Only mobile numbers are ported in."))]
    if order_type == OrderType.CHANGE and request.product is not None:
        current = request.product.specification.kind if request.product.specification_id else None
        if current and current not in kinds:
            kind = request.product.specification.get_kind_display()
            reason = _("%(offering)s does not replace a %(kind)s subscription.") % {"offering": offering, "kind": kind}
            return [Check("offering", False, reason)]
        if request.product.offering_id == offering.pk:
            return [Check("offering", False, _("The subscription already has this offering."))]
    return [Check("offering", True)]


def _product_checks(request: OrderRequest) -> list[Check]:
    order_type, product = request.order_type, request.product
    if order_type not in PRODUCT_STATES_FOR:
        return []
    if order_type == OrderType.VAS_ADD and product is None:
        return [Check("product", False, _("Choose the line the service is added to."))]
    if product is None:
        return [Check("product", False, _("Choose the subscription."))]
    if product.customer_id != request.customer.pk:
        return [Check("product", False, _("The subscription belongs to another customer."))]
    checks = []
    allowed = PRODUCT_STATES_FOR[order_type]
    if product.status not in allowed:
        checks.append(Check("product", False, _("A %(status)s subscription cannot take this order.")
                            % {"status": product.get_status_display()}))  # fmt: skip
    elif order_type == OrderType.VAS_REMOVE and (product.specification is None or product.specification.kind != "vas"):
        checks.append(Check("product", False, _("Choose the value-added service to unsubscribe.")))
    elif order_type == OrderType.PORT_OUT and (product.specification is None or product.specification.kind != "mobile"):
        checks.append(Check("product", False, _("Only mobile numbers can be ported out.")))
    else:
        checks.append(Check("product", True))
    conflicting = (
        ProductOrder.objects.filter(Q(product=product) | Q(items__product=product), state__in=OPEN_ORDER_STATES)
        .values_list("order_no", flat=True)
        .first()
    )
    if conflicting:
        checks.append(Check("open_order", False, _("Order %(order)s on this subscription is still open.")
                            % {"order": conflicting}))  # fmt: skip
    else:
        checks.append(Check("open_order", True))
    return checks


def _address_check(request: OrderRequest) -> Check:
    address = request.address
    if address is None:
        return Check("address", False, _("Choose the install address."))
    if address.access_point_id is None or not address.access_point.is_active:
        return Check("address", False, _("%(address)s is not covered by our network yet.") % {"address": address})
    if address.access_point.free_ports <= 0:
        return Check("address", False, _("No free port at %(point)s, which serves this address.")
                     % {"point": address.access_point})  # fmt: skip
    return Check("address", True)


def blocking(checks: list[Check], *, override_arrears: bool) -> list[Check]:
    """The failed checks that stop the order (the arrears block is lifted by an override)."""
    return [c for c in checks if not c.ok and not (c.overridable and override_arrears)]
