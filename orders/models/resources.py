"""Network resources an order needs (资源): access points (exchange / OLT) with port capacity, the standard
addresses they serve (标准地址), and the ports orders reserve."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Area, Grid, Region


class AccessPoint(models.Model):
    """An exchange or OLT (局站/OLT) serving nearby addresses through a fixed number of ports."""

    class Kind(models.TextChoices):
        EXCHANGE = "exchange", _("Exchange (局站)")
        OLT = "olt", _("OLT (光线路终端)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OLT)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    total_ports = models.PositiveIntegerField(_("ports"))
    used_ports = models.PositiveIntegerField(_("ports in use or reserved"), default=0)
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("access point (接入点)")
        verbose_name_plural = _("access points")
        ordering = ["code"]
        constraints = [
            # The counter only moves through conditional F() updates; the database refuses overbooking.
            models.CheckConstraint(condition=Q(used_ports__lte=F("total_ports")), name="access_point_no_overbooking"),
            models.CheckConstraint(condition=Q(kind__in=["exchange", "olt"]), name="access_point_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def free_ports(self) -> int:
        return self.total_ports - self.used_ports


class StandardAddress(models.Model):
    """A standard address (标准地址) and the access point that serves it; none means not serviceable yet."""

    class CableExtension(models.TextChoices):
        NONE = "", _("None")
        SHORT = "cable_short", _("Short new cable run (≤300 m, ≤2 boxes)")
        LONG = "cable_long", _("Longer cable run (≤500 m, 3–10 boxes)")

    text = models.CharField(_("address"), max_length=200, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    access_point = models.ForeignKey(
        AccessPoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addresses",
        verbose_name=_("access point"),
    )
    cable_extension = models.CharField(
        _("cable extension needed"), max_length=16, choices=CableExtension.choices, blank=True
    )

    class Meta:
        verbose_name = _("standard address (标准地址)")
        verbose_name_plural = _("standard addresses")
        ordering = ["text"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cable_extension__in=["", "cable_short", "cable_long"]), name="address_cable_valid"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_serviceable(self) -> bool:
        return self.access_point_id is not None


class PortReservation(models.Model):
    """A port of an access point held for an order (端口预占), in use by a product, or released."""

    class State(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        IN_USE = "in_use", _("In use")
        RELEASED = "released", _("Released")

    access_point = models.ForeignKey(
        AccessPoint, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("access point")
    )
    order = models.ForeignKey(
        "orders.ProductOrder", on_delete=models.PROTECT, related_name="port_reservations", verbose_name=_("order")
    )
    product = models.ForeignKey(
        "orders.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="ports",
        verbose_name=_("product"),
    )  # fmt: skip
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.RESERVED)
    created_at = models.DateTimeField(_("reserved"), auto_now_add=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("port reservation (端口预占)")
        verbose_name_plural = _("port reservations")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["reserved", "in_use", "released"]), name="port_state_valid"),
            # One held port per order; a released one frees the slot for the order's next attempt.
            models.UniqueConstraint(fields=["order"], condition=~Q(state="released"), name="port_one_per_order"),
            models.CheckConstraint(
                condition=~Q(state="released") | Q(released_at__isnull=False), name="port_released_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.access_point} · {self.get_state_display()}"
