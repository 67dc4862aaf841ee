"""Campaigns (营销活动): a target population with a hold-out control group, offers, channels and a schedule; each
targeted customer is a member whose contact and response are recorded (an accepted offer becomes an order)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    """A marketing or care campaign (营销活动) designed by an analyst and launched to its audience."""

    class Goal(models.TextChoices):
        RETENTION = "retention", _("Retention (挽留)")
        UPSELL = "upsell", _("Upsell (提升)")
        CROSS_SELL = "cross_sell", _("Cross-sell (交叉销售)")
        WIN_BACK = "win_back", _("Win-back (赢回)")
        CARE = "care", _("Care (关怀)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LAUNCHED = "launched", _("Launched")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    goal = models.CharField(_("goal"), max_length=12, choices=Goal.choices)
    # {"segments": [...], "churn_bands": [...], "levels": [...], "regions": [ids], "product_kinds": [...]}
    target = models.JSONField(_("target"), default=dict, blank=True)
    offerings = models.ManyToManyField("orders.ProductOffering", blank=True, related_name="+", verbose_name=_("offers"))
    # Any of "outbound_call", "sms", "hall_prompt", "portal_banner".
    channels = models.JSONField(_("channels"), default=list)
    script = models.TextField(_("call script"), blank=True)
    message = models.CharField(_("SMS / banner text"), max_length=300, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    budget = models.DecimalField(_("budget"), max_digits=12, decimal_places=2, default=0)
    holdout_percent = models.PositiveSmallIntegerField(
        _("control group %"), default=10, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign (营销活动)")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="campaign_period"),
            models.CheckConstraint(
                condition=Q(holdout_percent__gte=1, holdout_percent__lte=50), name="campaign_holdout"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    """A customer of a launched campaign: in the control group (never contacted) or targeted, with the response."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not contacted yet")
        SENT = "sent", _("Sent (awaiting response)")  # an SMS went out; a reply may still come
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        NO_ANSWER = "no_answer", _("No answer")
        UNREACHABLE = "unreachable", _("Not reachable")
        SUPPRESSED = "suppressed", _("Not contacted (contact policy)")

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    control = models.BooleanField(_("control group"))
    region_id = models.IntegerField(_("region"), null=True)
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    channel = models.CharField(_("contacted through"), max_length=16, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey("orders.ProductOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("campaign member (活动目标客户)")
        verbose_name_plural = _("campaign members")
        ordering = ["campaign", "id"]
        indexes = [models.Index(fields=["campaign", "control", "outcome"], name="campaign_member_list_idx")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_member_once"),
            # The control group is never contacted: its members stay pending.
            models.CheckConstraint(
                condition=Q(control=False) | Q(outcome="pending"), name="campaign_control_untouched"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.customer_id}"
