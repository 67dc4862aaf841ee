"""The fraud rule base (反欺诈规则库) as data, and the alerts its rules and models raise for analysts to review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Detector(models.TextChoices):
    """The detection methods a rule can use; a rule is one of them with its own parameters."""

    BASELINE_ZSCORE = "baseline_zscore", _("Usage far above the customer's own baseline (robust z-score)")
    SIMULTANEOUS_CALLS = "simultaneous_calls", _("Many simultaneous calls")
    HIGH_RISK_DESTINATION = "high_risk_destination", _("High-risk international or premium calls soon after activation")
    WANGIRI = "wangiri", _("Bursts of very short calls (Wangiri)")
    SIM_BOX = "sim_box", _("SIM-box pattern")
    SUBSCRIPTION_FRAUD = "subscription_fraud", _("New account running up usage with no payment")


class FraudRule(models.Model):
    """A fraud rule (欺诈规则): a detector with parameters, reason code and severity, tuned in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    detector = models.CharField(_("detector"), max_length=24, choices=Detector.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    reason_code = models.CharField(_("reason code"), max_length=40)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Fast rules also run on each usage batch as it arrives, not only in the daily run.
    fast = models.BooleanField(_("runs on each usage batch"), default=False)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("fraud rule (欺诈规则)")
        verbose_name_plural = _("fraud rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class FraudAlert(models.Model):
    """A suspicion of fraud (欺诈告警) on a line or a customer, with its evidence, waiting for an analyst's verdict."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed fraud")
        DISMISSED = "dismissed", _("Dismissed")

    id = models.BigAutoField(primary_key=True)
    alert_no = models.CharField(_("alert number"), max_length=24, unique=True)
    # The rule's code, or the model that raised it ("anomaly" for the IsolationForest, "supervised").
    detector = models.CharField(_("raised by"), max_length=40)
    rule = models.ForeignKey(FraudRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("orders.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # What the alert is about, for de-duplication: the service number, or the customer number.
    subject = models.CharField(_("subject"), max_length=32)
    day = models.DateField(_("day"))
    region_id = models.IntegerField(_("region"), null=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    reason_code = models.CharField(_("reason code"), max_length=40)
    score = models.FloatField(_("score"), default=0)
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=500, blank=True)
    suspension_order = models.ForeignKey(
        "orders.ProductOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(
        "analytics.AnalyticsJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    class Meta:
        verbose_name = _("fraud alert (欺诈告警)")
        verbose_name_plural = _("fraud alerts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "region_id", "-created_at"], name="fraud_alert_queue_idx")]
        constraints = [
            # A detector raises one alert per subject and day, however often the run is repeated.
            models.UniqueConstraint(fields=["detector", "subject", "day"], name="fraud_alert_once"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "confirmed", "dismissed"]), name="fraud_alert_status"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(reviewed_at__isnull=False), name="fraud_alert_reviewed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.alert_no
