"""Writes of the portal's service pages: a customer reports a fault or files a complaint through the call centre's
own ``ticket_open`` (the same SLA table, outage grouping and repeat-complaint rules as the hotline)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from callcenter import services as callcenter_services
from callcenter.models import TroubleTicket
from orders.models import Product

from .models import PortalAccount

PORTAL_CHANNEL = "portal"
PORTAL_TICKET_TYPES = ("fault", "complaint")


def portal_ticket_owner():
    """The first-contact owner (首问负责人) of tickets the customer opened online: the portal desk's staff account
    (settings ``PORTAL_TICKET_OWNER``, created inactive with no password the first time), until an agent takes it."""
    username = getattr(settings, "PORTAL_TICKET_OWNER", "portal-desk")
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_active": False, "first_name": "Portal"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def portal_ticket_open(
    *, account: PortalAccount, ticket_type: str, description: str, product: Product | None = None
) -> TroubleTicket:
    """Open a fault report (on one of the customer's subscriptions) or a complaint from the portal."""
    if ticket_type not in PORTAL_TICKET_TYPES:
        raise ValueError(f"unknown ticket type {ticket_type!r}")
    if product is not None and product.customer_id != account.customer_id:
        raise ValueError("The subscription belongs to another customer.")
    return callcenter_services.ticket_open(
        customer=account.customer, ticket_type=ticket_type, description=description, owner=portal_ticket_owner(),
        product=product, channel=PORTAL_CHANNEL,
    )  # fmt: skip
