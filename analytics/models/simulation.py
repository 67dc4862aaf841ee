"""Offer simulation (优惠策略仿真): a proposed tariff and, per simulation job and customer, the bill it would have
produced for a past month next to the one actually billed (模拟计费、模拟出账)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

_MONEY = {"max_digits": 10, "decimal_places": 4, "validators": [MinValueValidator(0)]}


class OfferProposal(models.Model):
    """A proposed tariff or bundle (模拟资费方案) an analyst re-rates past usage with before launching it."""

    name = models.CharField(_("name"), max_length=120)
    recurring_fee = models.DecimalField(_("monthly fee"), max_digits=10, decimal_places=2, default=0)
    included_minutes = models.PositiveIntegerField(_("included voice minutes"), default=0)
    included_data_mb = models.PositiveBigIntegerField(_("included data (MB)"), default=0)
    included_sms = models.PositiveIntegerField(_("included SMS"), default=0)
    price_per_minute = models.DecimalField(_("price per minute beyond"), default=0, **_MONEY)
    price_per_mb = models.DecimalField(_("price per MB beyond"), default=0, **_MONEY)
    price_per_sms = models.DecimalField(_("price per SMS beyond"), default=0, **_MONEY)
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Who the offer is for: {"regions": [ids], "levels": [...], "segments": [...], "offerings": [codes], "kind": ""};
    # an empty list means "any".
    target = models.JSONField(_("target population"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("offer proposal (模拟资费方案)")
        verbose_name_plural = _("offer proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recurring_fee__gte=0, price_per_minute__gte=0, price_per_mb__gte=0, price_per_sms__gte=0),
                name="offer_proposal_prices_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="offer_proposal_discount_pct"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SimulationResult(models.Model):
    """One customer's current and simulated bill for the month a simulation job re-rated."""

    job = models.ForeignKey("analytics.AnalyticsJob", on_delete=models.CASCADE, related_name="simulation_results")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+")
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    current_charge = models.DecimalField(_("current bill"), max_digits=12, decimal_places=2)
    simulated_charge = models.DecimalField(_("simulated bill"), max_digits=12, decimal_places=2)
    # simulated − current: negative means the customer would pay less (gains), so revenue would fall.
    difference = models.DecimalField(_("difference"), max_digits=12, decimal_places=2)
    gains = models.BooleanField(_("customer gains"))

    class Meta:
        verbose_name = _("simulation result (模拟出账)")
        verbose_name_plural = _("simulation results")
        ordering = ["job", "customer"]
        constraints = [models.UniqueConstraint(fields=["job", "customer"], name="simulation_result_once")]
        indexes = [models.Index(fields=["job", "difference"], name="simulation_job_diff_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.customer_id}"
