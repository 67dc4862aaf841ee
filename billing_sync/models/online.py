"""Online payments (在线交费): one row per attempt to pay through a payment provider, from start to its outcome."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import BillingAccount, Customer


class OnlinePayment(models.Model):
    """A payment started on the portal and completed (or not) at the provider. It becomes a ``Payment`` only when the
    provider's verified notification approves it, once, whatever the number of notifications."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the provider")
        CONFIRMED = "confirmed", _("Paid")
        DECLINED = "declined", _("Declined")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="online_payments", verbose_name=_("account")
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    provider = models.CharField(_("provider"), max_length=32)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    transaction_id = models.CharField(_("provider transaction"), max_length=64, null=True, blank=True, unique=True)
    payment = models.OneToOneField(
        "billing_sync.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="online",
        verbose_name=_("payment"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("online payment (在线交费)")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="online_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "confirmed", "declined"]), name="online_payment_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(payment__isnull=False), name="online_payment_confirmed_has_payment"
            ),
        ]

    def __str__(self) -> str:
        return self.reference
