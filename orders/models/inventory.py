"""The product inventory (产品实例/用户, TMF637): what each customer has, with its service number and state."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Area, Grid, Region
from customers.models import BillingAccount, Customer

from .catalog import ProductOffering, ProductSpecification


class Product(models.Model):
    """A product instance a customer has (产品实例/用户), TMF637: service number, address, offering, status."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING_ACTIVE = "pendingActive", _("Pending activation")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        PENDING_TERMINATE = "pendingTerminate", _("Pending termination")
        TERMINATED = "terminated", _("Terminated")

    product_no = models.CharField(_("product number"), max_length=20, unique=True)
    customer = models.ForeignKey(  # no index of its own: (customer, status) below serves it
        Customer, on_delete=models.PROTECT, related_name="products", verbose_name=_("customer"), db_index=False
    )
    billing_account = models.ForeignKey(
        BillingAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("billing account"),
    )
    offering = models.ForeignKey(
        ProductOffering, on_delete=models.PROTECT, related_name="products", verbose_name=_("offering")
    )
    specification = models.ForeignKey(
        ProductSpecification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("specification"),
    )
    bundle = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="components", verbose_name=_("bundle")
    )
    service_number = models.CharField(_("service number"), max_length=32, blank=True)  # phone no., broadband account
    install_address = models.CharField(_("install address"), max_length=255, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CREATED)
    characteristics = models.JSONField(_("characteristics"), default=list, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    termination_date = models.DateField(_("termination date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product instance (产品实例)")
        verbose_name_plural = _("product instances")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="product_customer_status_idx"),
            models.Index(fields=["service_number"], name="product_service_number_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["created", "pendingActive", "active", "suspended", "pendingTerminate", "terminated"]
                ),
                name="product_status_valid",
            ),
            # A number belongs to one live subscription; a terminated one frees it for reuse.
            models.UniqueConstraint(
                fields=["service_number"],
                condition=~Q(status="terminated") & ~Q(service_number=""),
                name="product_unique_live_service_number",
            ),
            models.CheckConstraint(
                condition=Q(termination_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(termination_date__gte=F("start_date")),
                name="product_terminates_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="terminated") | Q(termination_date__isnull=False),
                name="product_terminated_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.service_number or self.product_no

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.TERMINATED
