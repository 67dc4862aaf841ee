"""Scheduled reports (定期报表): a manager subscribes to a dashboard's tables, which are e-mailed as Excel/CSV files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportSubscription(models.Model):
    """A dashboard sent to a manager periodically (报表订阅), with the filters it was subscribed with."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly (Mondays)")
        MONTHLY = "monthly", _("Monthly (the 1st)")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel")
        CSV = "csv", _("CSV (zip)")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions")
    dashboard = models.CharField(_("dashboard"), max_length=40)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency.choices)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.XLSX)
    email = models.EmailField(_("e-mail"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_sent_on = models.DateField(_("last sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("report subscription (报表订阅)")
        verbose_name_plural = _("report subscriptions")
        ordering = ["owner", "dashboard"]
        constraints = [
            models.CheckConstraint(condition=Q(frequency__in=["daily", "weekly", "monthly"]), name="report_frequency"),
            models.CheckConstraint(condition=Q(file_format__in=["xlsx", "csv"]), name="report_format"),
        ]

    def __str__(self) -> str:
        return f"{self.dashboard} → {self.email} ({self.frequency})"


class ReportDelivery(models.Model):
    """One sending of a subscribed report: at most one per subscription and day, with the file that was sent."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(ReportSubscription, on_delete=models.CASCADE, related_name="deliveries")
    run_on = models.DateField(_("for the day"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    message_id = models.CharField(_("message id"), max_length=120, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report delivery (报表发送)")
        verbose_name_plural = _("report deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "run_on"], name="report_delivery_once_a_day")]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.run_on} {self.status}"
