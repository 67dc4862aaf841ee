"""Ports of access points (端口预占): reserved by an order, in use by a product, released on cancel/terminate.

The counter moves only by conditional F() updates, and the database refuses ``used_ports > total_ports``, so
concurrent orders for the last port get it once."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AccessPoint, PortReservation, Product, ProductOrder, StandardAddress


class NoFreePort(Exception):
    """The access point serving the address has no free port."""


@transaction.atomic
def port_reserve(*, order: ProductOrder, address: StandardAddress) -> PortReservation:
    """Hold one port of the address's access point for the order."""
    if address.access_point_id is None:
        raise NoFreePort(_("The address %(address)s is not covered by our network yet.") % {"address": address})
    taken = AccessPoint.objects.filter(
        pk=address.access_point_id, is_active=True, used_ports__lt=F("total_ports")
    ).update(used_ports=F("used_ports") + 1)
    if not taken:
        raise NoFreePort(
            _("No free port at %(point)s, which serves %(address)s.")
            % {"point": address.access_point, "address": address}
        )
    return PortReservation.objects.create(access_point_id=address.access_point_id, order=order)


@transaction.atomic
def port_take_into_use(*, order: ProductOrder, product: Product) -> PortReservation | None:
    """The order's reserved port now serves the product."""
    reservation = (
        PortReservation.objects.select_for_update().filter(order=order, state=PortReservation.State.RESERVED).first()
    )
    if reservation is None:
        return None
    reservation.state, reservation.product = PortReservation.State.IN_USE, product
    reservation.save(update_fields=["state", "product"])
    return reservation


@transaction.atomic
def ports_release(*, order: ProductOrder | None = None, product: Product | None = None) -> int:
    """Give back the ports an order holds or a product uses; returns how many were released."""
    held = PortReservation.objects.select_for_update().exclude(state=PortReservation.State.RELEASED)
    if order is not None:
        held = held.filter(order=order)
    if product is not None:
        held = held.filter(product=product)
    released = 0
    for reservation in held.order_by("pk"):
        reservation.state, reservation.released_at = PortReservation.State.RELEASED, timezone.now()
        reservation.save(update_fields=["state", "released_at"])
        AccessPoint.objects.filter(pk=reservation.access_point_id, used_ports__gt=0).update(
            used_ports=F("used_ports") - 1
        )
        released += 1
    return released
